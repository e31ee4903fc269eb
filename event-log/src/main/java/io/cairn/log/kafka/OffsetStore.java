package io.cairn.log.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.cairn.log.LogEngine;
import io.cairn.log.LogException;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;
import io.cairn.log.TopicConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Committed consumer group offsets, kept in memory and in the compacted internal topic {@value #TOPIC} (one record per
 * group, topic and partition; a tombstone when deleted), which is read back in full at start.
 *
 * <p>Record format (Cairn's own, versioned): key = {@code short 1, string group, string topic, int partition};
 * value = {@code short 1, long offset, int leaderEpoch, nullable string metadata, long commitTimestamp}. Strings are a
 * {@code short} length (-1 for null) and UTF-8 bytes.
 */
final class OffsetStore {
    private static final Logger log = LoggerFactory.getLogger(OffsetStore.class);
    static final String TOPIC = "__consumer_offsets";

    record Committed(long offset, int leaderEpoch, String metadata, long commitTimestamp) {
    }

    private final LogEngine engine;
    private final Map<String, Map<TopicPartition, Committed>> cache = new ConcurrentHashMap<>();
    private final Topic topic;

    OffsetStore(LogEngine engine, int partitions) {
        this.engine = engine;
        Topic t = engine.topic(TOPIC).orElse(null);
        if (t == null) {
            try {
                t = engine.createTopic(TOPIC, partitions, Map.of(TopicConfig.CLEANUP_POLICY, "compact",
                        TopicConfig.SEGMENT_BYTES, Integer.toString(64 * 1024 * 1024)));
            } catch (LogException.TopicExistsException e) {
                t = engine.requireTopic(TOPIC);
            }
        }
        topic = t;
        load();
    }

    private void load() {
        long started = System.nanoTime();
        int records = 0;
        for (PartitionLog p : topic.partitions()) {
            long next = p.logStartOffset();
            long end = p.highWatermark();
            while (next < end) {
                PartitionLog.ReadResult r = p.read(next, 4 * 1024 * 1024, true, PartitionLog.ReadLimit.HIGH_WATERMARK);
                long before = next;
                for (RecordBatch b : r.records().batches()) {
                    for (Record rec : b) {
                        if (rec.offset() < next || !rec.hasKey()) {
                            continue;
                        }
                        try {
                            apply(rec.key(), rec.value());
                            records++;
                        } catch (RuntimeException e) {
                            log.warn("Skipping an unreadable record at {}-{} offset {}: {}", TOPIC, p.partition(), rec.offset(), e.toString());
                        }
                    }
                    next = b.nextOffset();
                }
                if (next == before) {
                    break;
                }
            }
        }
        log.info("Loaded committed offsets of {} group(s) from {} record(s) in {} ms", cache.size(), records,
                (System.nanoTime() - started) / 1_000_000);
    }

    private void apply(ByteBuffer key, ByteBuffer value) {
        if (key.getShort() != 1) {
            return;
        }
        String group = string(key);
        TopicPartition tp = new TopicPartition(string(key), key.getInt());
        if (value == null) {
            Map<TopicPartition, Committed> m = cache.get(group);
            if (m != null) {
                m.remove(tp);
                if (m.isEmpty()) {
                    cache.remove(group);
                }
            }
            return;
        }
        if (value.getShort() != 1) {
            return;
        }
        Committed c = new Committed(value.getLong(), value.getInt(), string(value), value.getLong());
        cache.computeIfAbsent(group, g -> new ConcurrentHashMap<>()).put(tp, c);
    }

    /** Makes {@code offsets} of {@code group} durable (per the internal topic's flush policy), then visible. */
    void commit(String group, Map<TopicPartition, Committed> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        List<SimpleRecord> records = new ArrayList<>(offsets.size());
        long now = System.currentTimeMillis();
        offsets.forEach((tp, c) -> records.add(new SimpleRecord(now, key(group, tp), value(c))));
        append(group, records);
        cache.computeIfAbsent(group, g -> new ConcurrentHashMap<>()).putAll(offsets);
    }

    Map<TopicPartition, Committed> offsets(String group) {
        Map<TopicPartition, Committed> m = cache.get(group);
        return m == null ? Map.of() : new HashMap<>(m);
    }

    boolean hasOffsets(String group) {
        Map<TopicPartition, Committed> m = cache.get(group);
        return m != null && !m.isEmpty();
    }

    Iterable<String> groups() {
        return List.copyOf(cache.keySet());
    }

    /** Writes tombstones for every offset of {@code group}. */
    void deleteGroup(String group) {
        Map<TopicPartition, Committed> m = cache.get(group);
        if (m == null || m.isEmpty()) {
            cache.remove(group);
            return;
        }
        List<SimpleRecord> tombstones = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (TopicPartition tp : m.keySet()) {
            tombstones.add(new SimpleRecord(now, key(group, tp), null));
        }
        append(group, tombstones);
        cache.remove(group);
    }

    /** Forgets (with tombstones) the offsets every group committed for a deleted topic. */
    void topicDeleted(String name) {
        for (String group : groups()) {
            Map<TopicPartition, Committed> m = cache.get(group);
            if (m == null) {
                continue;
            }
            List<SimpleRecord> tombstones = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (TopicPartition tp : m.keySet()) {
                if (tp.topic().equals(name)) {
                    tombstones.add(new SimpleRecord(now, key(group, tp), null));
                }
            }
            if (!tombstones.isEmpty()) {
                append(group, tombstones);
                m.keySet().removeIf(tp -> tp.topic().equals(name));
            }
        }
    }

    private void append(String group, List<SimpleRecord> records) {
        PartitionLog p = topic.partition(Math.floorMod(group.hashCode(), topic.partitionCount()));
        p.append(MemoryRecords.withRecords(Compression.NONE, records.toArray(new SimpleRecord[0])));
    }

    private static byte[] key(String group, TopicPartition tp) {
        byte[] g = group.getBytes(StandardCharsets.UTF_8);
        byte[] t = tp.topic().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(2 + 2 + g.length + 2 + t.length + 4);
        b.putShort((short) 1);
        putString(b, g);
        putString(b, t);
        b.putInt(tp.partition());
        return b.array();
    }

    private static byte[] value(Committed c) {
        byte[] m = c.metadata() == null ? null : c.metadata().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(2 + 8 + 4 + 2 + (m == null ? 0 : m.length) + 8);
        b.putShort((short) 1);
        b.putLong(c.offset());
        b.putInt(c.leaderEpoch());
        putString(b, m);
        b.putLong(c.commitTimestamp());
        return b.array();
    }

    private static void putString(ByteBuffer b, byte[] s) {
        if (s == null) {
            b.putShort((short) -1);
        } else {
            b.putShort((short) s.length);
            b.put(s);
        }
    }

    private static String string(ByteBuffer b) {
        short n = b.getShort();
        if (n < 0) {
            return null;
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    LogEngine engine() {
        return engine;
    }
}
