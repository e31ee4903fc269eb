package io.cairn.server.topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.json.JsonObject;

import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

import io.cairn.log.PartitionLog;
import io.cairn.server.ApiException;
import io.cairn.server.ProblemType;

/**
 * Reads up to {@code limit} committed records of a partition from an offset, as JSON. Reads whole batches (at most
 * {@link #READ_BYTES} per step and {@link #MAX_STEPS} steps per request), skips control batches and the records of
 * the first batch that precede the offset.
 */
final class RecordReader {
    static final int READ_BYTES = 1024 * 1024;
    static final int MAX_STEPS = 16;

    /** Records read, and where to continue. */
    record Page(List<JsonObject> records, long nextOffset, long logStartOffset, long highWatermark) {
    }

    private RecordReader() {
    }

    static Page read(PartitionLog log, long offset, int limit) {
        long start = log.logStartOffset();
        long end = log.logEndOffset();
        if (offset < start || offset > end) {
            throw new ApiException(ProblemType.OFFSET_OUT_OF_RANGE, "Offset " + offset + " is outside " + log.topic() + "-"
                    + log.partition() + "'s range [" + start + ", " + end + "]",
                    Map.of("logStartOffset", start, "logEndOffset", end));
        }
        List<JsonObject> out = new ArrayList<>(Math.min(limit, 1024));
        long next = offset;
        long hw = log.highWatermark();
        for (int step = 0; step < MAX_STEPS && out.size() < limit && next < hw; step++) {
            PartitionLog.ReadResult r = log.read(next, READ_BYTES, true, PartitionLog.ReadLimit.HIGH_WATERMARK);
            hw = r.highWatermark();
            long before = next;
            for (RecordBatch batch : r.records().batches()) {
                if (!batch.isControlBatch()) {
                    for (Record rec : batch) {
                        if (rec.offset() >= next && out.size() < limit) {
                            out.add(RecordJson.toJson(rec));
                            next = rec.offset() + 1;
                        }
                    }
                }
                if (out.size() >= limit) {
                    break;
                }
                next = Math.max(next, batch.nextOffset());
            }
            if (next == before) {
                break; // nothing readable below the high watermark right now
            }
        }
        return new Page(out, next, log.logStartOffset(), hw);
    }
}
