package io.cairn.projections;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

import io.cairn.log.PartitionLog;

/** Reads committed records of a partition as {@link ProjectionEvent}s (control batches skipped). */
final class PartitionReader {
    /** Bytes asked of the log per read; a read always returns at least one whole batch. */
    private static final int READ_BYTES = 1 << 20;

    private PartitionReader() {
    }

    /**
     * Appends to {@code out} the events from {@code from} on, until it holds {@code max} or the high watermark is
     * reached. Returns the offset after the last event read (or after skipped control records), i.e. where to
     * read next.
     */
    static long read(PartitionLog log, long from, int max, List<ProjectionEvent> out) {
        long next = from;
        while (out.size() < max) {
            PartitionLog.ReadResult r = log.read(next, READ_BYTES, true, PartitionLog.ReadLimit.HIGH_WATERMARK);
            long before = next;
            for (RecordBatch b : r.records().batches()) {
                if (b.lastOffset() < next) {
                    continue;
                }
                if (b.isControlBatch()) {
                    next = b.lastOffset() + 1;
                    continue;
                }
                for (Record rec : b) {
                    if (rec.offset() < next) {
                        continue;
                    }
                    out.add(toEvent(log, rec));
                    next = rec.offset() + 1;
                    if (out.size() >= max) {
                        return next;
                    }
                }
            }
            if (next == before) {
                return next; // nothing more below the high watermark
            }
        }
        return next;
    }

    private static ProjectionEvent toEvent(PartitionLog log, Record rec) {
        Header[] hs = rec.headers();
        Map<String, String> headers = hs.length == 0 ? Map.of() : new HashMap<>(hs.length * 2);
        for (Header h : hs) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        return new ProjectionEvent(log.topic(), log.partition(), rec.offset(), rec.timestamp(),
                rec.hasKey() ? utf8(rec.key()) : null, headers, rec.hasValue() ? bytes(rec.value()) : null);
    }

    private static String utf8(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b).toString();
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }
}
