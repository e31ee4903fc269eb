package io.cairn.log;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.SimpleRecord;

/** Helpers to build batches the way a producer would and to read records back from a {@link Records}. */
public final class Batches {
    private Batches() {
    }

    public static MemoryRecords of(long timestamp, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(timestamp, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    public static MemoryRecords keyed(long timestamp, String key, String value) {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(timestamp,
                key.getBytes(StandardCharsets.UTF_8), value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
    }

    /** A record read back: its offset, timestamp, key and value as text (null when absent). */
    public record Read(long offset, long timestamp, String key, String value) {
    }

    public static List<Read> records(Records records) {
        List<Read> out = new ArrayList<>();
        for (RecordBatch b : records.batches()) {
            for (Record r : b) {
                out.add(new Read(r.offset(), r.timestamp(), text(r.key()), text(r.value())));
            }
        }
        return out;
    }

    /** Every record from {@code from} to the high watermark, reading in steps of {@code maxBytes}. */
    public static List<Read> readAll(PartitionLog log, long from, int maxBytes) {
        List<Read> out = new ArrayList<>();
        long next = Math.max(from, log.logStartOffset());
        while (next < log.highWatermark()) {
            PartitionLog.ReadResult r = log.read(next, maxBytes);
            List<Read> batch = records(r.records());
            if (batch.isEmpty()) {
                throw new AssertionError("read at " + next + " returned nothing below the high watermark " + log.highWatermark());
            }
            for (Read x : batch) {
                if (x.offset() >= next) {
                    out.add(x);
                }
            }
            next = batch.get(batch.size() - 1).offset() + 1;
        }
        return out;
    }

    private static String text(java.nio.ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
