package io.cairn.cdc;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.source.SourceRecord;

import io.cairn.log.LogEngine;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;
import io.cairn.log.TopicConfig;

/**
 * Writes one connector's change events into their topics, exactly once per partition.
 *
 * <p>For each Debezium batch: every event is routed to its table's topic ({@link ConnectorConfig#topicOf}) and to a
 * partition by its key (murmur2 of the key's JSON bytes, as Kafka's default partitioner, so a key's changes stay in
 * order in one partition); an event whose {@link SourcePosition} is not after the last one already in its partition
 * is a redelivery and is dropped; the rest are appended as one batch per partition (one write for the whole Debezium
 * batch, not one per change). Only then does the caller mark the batch processed.
 *
 * <p>Appends are not fsynced one by one: topics this writer creates have {@code flush.messages} at its maximum and
 * {@code flush.ms=50} (the engine's scheduler fsyncs them in the background), and {@link #flush} (called by the
 * offset store just before Debezium's offsets are written, every {@code offset.flush.interval.ms}) fsyncs whatever
 * is left of every partition written since. So Debezium's durable offsets never get
 * ahead of the durable log: after a crash of the machine the lost tail is delivered again and lands at the same
 * offsets (see docs/cdc.md, "Durability").
 *
 * <p>The last position of a partition is read once, from its last batch, the first time this writer appends there:
 * every record Cairn writes carries its position in the header {@value SourcePosition#HEADER}.
 *
 * <p>Heartbeat events are not written; their offsets move the captured position on (and let the slot advance).
 *
 * <p>Thread-safety: {@link #write} is called by one engine thread at a time; the counters are safe to read from any.
 */
final class ChangeWriter {
    private static final String HEARTBEAT_PREFIX = "__debezium-heartbeat";
    private static final SourcePosition NONE = new SourcePosition(new long[] {-1});
    /**
     * Topics Cairn creates for tables: not fsynced per append, but by the engine's scheduler within
     * {@code flush.ms} (off the capture thread), and whatever is left by {@link #flush} before offsets are stored.
     */
    static final Map<String, String> TOPIC_CONFIG = Map.of(TopicConfig.FLUSH_MESSAGES, Long.toString(Long.MAX_VALUE),
            TopicConfig.FLUSH_MS, "50");

    /** One change, as the writer needs it. */
    record Change(String destination, byte[] key, byte[] value, Map<String, ?> offset) {
        static Change of(SourceRecord r, byte[] key, byte[] value) {
            return new Change(r.topic(), key, value, r.sourceOffset());
        }
    }

    private final LogEngine engine;
    private final ConnectorConfig config;
    private final Map<String, Topic> topics = new HashMap<>();
    /** Keyed by the partition object itself: a topic deleted and created again has new ones, read afresh. */
    private final Map<PartitionLog, SourcePosition> lastInPartition = new HashMap<>();
    private final java.util.Set<PartitionLog> unflushed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private long[] lastBase;
    private long k;

    final AtomicLong captured = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong snapshotRows = new AtomicLong();
    final Map<String, AtomicLong> perTopic = new ConcurrentHashMap<>();
    volatile Map<String, ?> lastOffset = Map.of();
    volatile long lastSourceMs;
    volatile long lastCaptureMs;
    volatile boolean inSnapshot;

    ChangeWriter(LogEngine engine, ConnectorConfig config) {
        this.engine = engine;
        this.config = config;
    }

    /** Debezium's heartbeat events: they move the offsets on, and are not written. */
    static boolean isHeartbeat(String destination) {
        return destination.startsWith(HEARTBEAT_PREFIX);
    }

    void write(List<Change> batch) {
        Map<PartitionLog, List<SimpleRecord>> pending = new LinkedHashMap<>();
        Map<PartitionLog, SourcePosition> newest = new HashMap<>();
        long now = System.currentTimeMillis();
        int kept = 0;
        int snap = 0;
        Map<String, ?> offset = null;
        // A topic deleted (or deleted and created again) since the last batch is looked up afresh.
        if (topics.values().removeIf(t -> engine.topic(t.name()).orElse(null) != t)) {
            lastInPartition.keySet().removeIf(l -> engine.topic(l.topic()).map(t -> t.partition(l.partition()) != l).orElse(true));
        }
        for (Change c : batch) {
            offset = c.offset();
            if (isHeartbeat(c.destination())) {
                continue;
            }
            SourcePosition pos = position(c.offset());
            Topic topic = topicFor(c.destination());
            int p = c.key() == null ? 0 : Utils.toPositive(Utils.murmur2(c.key())) % topic.partitionCount();
            PartitionLog log = topic.partition(p);
            if (!pos.snapshot() && pos.compareTo(last(log, newest)) <= 0) {
                duplicates.incrementAndGet();
                continue;
            }
            Header[] headers = {new RecordHeader(SourcePosition.HEADER, pos.encode())};
            pending.computeIfAbsent(log, l -> new ArrayList<>()).add(new SimpleRecord(now, c.key(), c.value(), headers));
            newest.put(log, pos);
            perTopic.computeIfAbsent(topic.name(), t -> new AtomicLong()).incrementAndGet();
            kept++;
            if (pos.snapshot()) {
                snap++;
            }
        }
        for (Map.Entry<PartitionLog, List<SimpleRecord>> e : pending.entrySet()) {
            PartitionLog log = e.getKey();
            LogIo.append(log, e.getValue(), LogIo.maxBatchBytes(engine.requireTopic(log.topic())));
            lastInPartition.put(log, newest.get(log));
            unflushed.add(log);
        }
        captured.addAndGet(kept);
        snapshotRows.addAndGet(snap);
        if (offset != null) {
            lastOffset = offset;
            inSnapshot = SourcePosition.inSnapshot(offset);
            long ts = sourceMillis(offset);
            if (ts > 0) {
                lastSourceMs = ts;
            }
            lastCaptureMs = now;
        }
    }

    /** Fsyncs every partition appended to since the last call; called before Debezium's offsets are stored. */
    void flush() {
        for (PartitionLog log : unflushed) {
            unflushed.remove(log);
            log.flush();
        }
    }

    private SourcePosition position(Map<String, ?> offset) {
        long[] base = SourcePosition.of(config.kind(), offset);
        if (lastBase != null && java.util.Arrays.equals(base, lastBase)) {
            k++;
        } else {
            lastBase = base;
            k = 0;
        }
        return SourcePosition.withK(base, k);
    }

    private SourcePosition last(PartitionLog log, Map<PartitionLog, SourcePosition> newest) {
        SourcePosition inBatch = newest.get(log);
        if (inBatch != null) {
            return inBatch;
        }
        return lastInPartition.computeIfAbsent(log, ChangeWriter::tail);
    }

    /** The position of the last record of {@code log} that has one (NONE when there is none). */
    private static SourcePosition tail(PartitionLog log) {
        List<Record> last = LogIo.lastBatch(log);
        for (int i = last.size() - 1; i >= 0; i--) {
            byte[] h = CdcStorage.headerValue(last.get(i), SourcePosition.HEADER);
            if (h != null) {
                return SourcePosition.decode(h);
            }
        }
        return NONE;
    }

    private Topic topicFor(String destination) {
        Topic t = topics.get(destination);
        if (t == null) {
            t = LogIo.topic(engine, topicName(destination), config.partitions(), TOPIC_CONFIG);
            topics.put(destination, t);
        }
        return t;
    }

    /** Debezium names a table's events {@code <prefix>.<schema or database>.<table>}; its schema changes {@code <prefix>}. */
    String topicName(String destination) {
        String prefix = config.prefix();
        if (!destination.startsWith(prefix + ".")) {
            return destination;
        }
        String rest = destination.substring(prefix.length() + 1);
        int dot = rest.indexOf('.');
        if (dot < 0) {
            return destination;
        }
        return config.topicOf(rest.substring(0, dot), rest.substring(dot + 1));
    }

    static long sourceMillis(Map<String, ?> offset) {
        Object us = offset.get("ts_usec");
        if (us instanceof Number n) {
            return n.longValue() / 1000;
        }
        Object s = offset.get("ts_sec");
        if (s instanceof Number n) {
            return n.longValue() * 1000;
        }
        return 0;
    }

    static ByteBuffer wrap(byte[] b) {
        return b == null ? null : ByteBuffer.wrap(b);
    }
}
