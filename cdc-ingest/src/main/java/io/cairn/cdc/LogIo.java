package io.cairn.cdc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;

import io.cairn.log.LogEngine;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;
import io.cairn.log.TopicConfig;

/**
 * The few things cdc-ingest does with the log directly: make sure a topic exists, append records as whole batches,
 * read a partition from its start or its last batch.
 *
 * <p>Thread-safety: stateless; the engine serializes appends per partition.
 */
final class LogIo {
    /** Cap on one read: the engine hands out whole batches, at least one. */
    private static final int READ_BYTES = 4 << 20;

    private LogIo() {
    }

    /** The topic, created with {@code partitions} and {@code configs} when missing (a concurrent creation is fine). */
    static Topic topic(LogEngine engine, String name, int partitions, Map<String, String> configs) {
        return engine.topic(name).orElseGet(() -> {
            try {
                return engine.createTopic(name, partitions, configs);
            } catch (io.cairn.log.LogException.TopicExistsException raced) {
                return engine.requireTopic(name);
            }
        });
    }

    /**
     * Appends {@code records} in order, as few batches as {@code max.message.bytes} allows (one fsync each, when the
     * topic's flush policy says so).
     */
    static void append(PartitionLog log, List<SimpleRecord> records, int maxBatchBytes) {
        int from = 0;
        int size = 0;
        for (int i = 0; i < records.size(); i++) {
            int s = estimate(records.get(i));
            if (i > from && size + s > maxBatchBytes) {
                log.append(batch(records.subList(from, i)));
                from = i;
                size = 0;
            }
            size += s;
        }
        if (from < records.size()) {
            log.append(batch(records.subList(from, records.size())));
        }
    }

    static int maxBatchBytes(Topic topic) {
        // Room for the batch header (61 bytes) and varint framing beyond the estimate.
        return Integer.parseInt(topic.config().get(TopicConfig.MAX_MESSAGE_BYTES)) - 1024;
    }

    private static int estimate(SimpleRecord r) {
        int n = 32 + (r.key() == null ? 0 : r.key().remaining()) + (r.value() == null ? 0 : r.value().remaining());
        for (var h : r.headers()) {
            n += 8 + h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return n;
    }

    private static MemoryRecords batch(List<SimpleRecord> records) {
        return MemoryRecords.withRecords(Compression.NONE, records.toArray(new SimpleRecord[0]));
    }

    /** Every committed record of {@code log}, from its start, in offset order. */
    static void readAll(PartitionLog log, Consumer<Record> each) {
        long offset = log.logStartOffset();
        while (offset < log.highWatermark()) {
            PartitionLog.ReadResult r = log.read(offset, READ_BYTES);
            long next = offset;
            for (RecordBatch b : r.records().batches()) {
                for (Record rec : b) {
                    if (rec.offset() >= offset) {
                        each.accept(rec);
                    }
                }
                next = b.nextOffset();
            }
            if (next == offset) {
                break;
            }
            offset = next;
        }
    }

    /** The records of the last batch of {@code log} (empty for an empty log). */
    static List<Record> lastBatch(PartitionLog log) {
        List<Record> out = new ArrayList<>();
        long hw = log.highWatermark();
        if (hw <= log.logStartOffset()) {
            return out;
        }
        PartitionLog.ReadResult r = log.read(hw - 1, 1);
        RecordBatch last = null;
        for (RecordBatch b : r.records().batches()) {
            last = b;
        }
        if (last != null) {
            for (Record rec : last) {
                out.add(rec);
            }
        }
        return out;
    }
}
