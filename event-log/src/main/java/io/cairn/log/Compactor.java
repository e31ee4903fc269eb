package io.cairn.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Log compaction for {@code cleanup.policy=compact}: in the closed segments of a partition, keeps only the latest
 * record of each key; tombstones (records with a null value) are kept for {@code delete.retention.ms} after the first
 * compaction that saw them, so that consumers catching up learn about the delete, and dropped afterwards.
 *
 * <p>Two passes over the cleanable segments (closed, and older than {@code min.compaction.lag.ms}): the first builds
 * a bounded map from key hash (128-bit MD5, as Kafka does; a collision would need 2^64 keys) to the key's last offset;
 * the second rewrites each segment keeping a record only if no later offset for its key is in the map. Offsets are
 * never changed, so readers and consumer positions are unaffected. If the map fills up, only the segments it fully
 * covers are cleaned this time and the rest next time.
 *
 * <p>Each rewritten segment is built beside the original ({@code .cleaned}, then {@code .swap}) and swapped in by
 * {@link PartitionLog#replaceSegment}, which holds the partition's lock only for the renames: appends go on while
 * compaction runs. Design note: {@code docs/compaction.md}.
 *
 * <p>Not thread-safe: one compactor per cleaner thread.
 */
final class Compactor {
    private static final Logger log = LoggerFactory.getLogger(Compactor.class);
    private static final int CHUNK_BYTES = 4 << 20;

    private final OffsetMap map;
    private final MessageDigest md5;

    Compactor(int maxKeys) {
        this.map = new OffsetMap(maxKeys);
        try {
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every JVM", e);
        }
    }

    /** Statistics of one pass. */
    record Result(int segmentsCleaned, long recordsRead, long recordsKept, long bytesBefore, long bytesAfter) {
        static final Result NOTHING = new Result(0, 0, 0, 0, 0);
    }

    /** Compacts {@code p} if it is a compacted topic with something to clean at time {@code nowMs}. */
    Result compact(PartitionLog p, long nowMs) throws IOException {
        TopicConfig cfg = p.config();
        if (!cfg.compact) {
            return Result.NOTHING;
        }
        List<LogSegment> cleanable = new ArrayList<>();
        for (LogSegment s : p.closedSegments()) {
            if (s.largestTimestamp() > nowMs - cfg.minCompactionLagMs) {
                break;
            }
            cleanable.add(s);
        }
        if (cleanable.isEmpty()) {
            return Result.NOTHING;
        }
        long dirtyEnd = cleanable.get(cleanable.size() - 1).nextOffset();
        if (dirtyEnd <= p.cleanerOffset() && nowMs < p.nextTombstoneCheckMs()) {
            return Result.NOTHING;
        }
        map.clear();
        int covered = buildMap(cleanable);
        if (covered == 0) {
            log.warn("Cannot compact {}-{}: the keys of its first segment do not fit the cleaner's map of {} keys;"
                    + " raise the engine's cleaner key limit", p.topic(), p.partition(), map.capacity());
            return Result.NOTHING;
        }
        Filter filter = new Filter(nowMs, cfg.deleteRetentionMs);
        long read = 0;
        long kept = 0;
        long before = 0;
        long after = 0;
        int cleaned = 0;
        for (LogSegment s : cleanable.subList(0, covered)) {
            LogSegment out = LogSegment.create(p.dir(), s.baseOffset, p::config, nowMs, LogSegment.CLEANED_SUFFIX);
            boolean done = false;
            try {
                long[] counts = rewrite(s, out, filter, nowMs);
                out.onRoll();
                out.changeSuffix(LogSegment.SWAP_SUFFIX);
                FileUtil.fsyncDirectory(p.dir().toPath());
                if (p.replaceSegment(s, out)) {
                    read += counts[0];
                    kept += counts[1];
                    before += s.sizeInBytes();
                    after += out.sizeInBytes();
                    cleaned++;
                }
                done = true;
            } finally {
                if (!done) {
                    out.close();
                    out.markDeletedAndDelete();
                }
            }
        }
        p.cleanerDone(cleanable.get(covered - 1).nextOffset(), filter.earliestPendingHorizon);
        if (cleaned > 0) {
            log.info("Compacted {} segment(s) of {}-{}: {} of {} records kept, {} -> {} bytes", cleaned, p.topic(),
                    p.partition(), kept, read, before, after);
        }
        return new Result(cleaned, read, kept, before, after);
    }

    /** Returns how many of {@code segments} (from the first) the map covers completely. */
    private int buildMap(List<LogSegment> segments) throws IOException {
        int covered = 0;
        for (LogSegment s : segments) {
            try (BatchScanner scan = s.scanner(0, s.sizeInBytes(), true)) {
                while (scan.next()) {
                    for (MutableRecordBatch b : MemoryRecords.readableRecords(scan.currentBatch()).batches()) {
                        for (Record r : b) {
                            if (r.hasKey() && !map.put(hash(r.key()), r.offset())) {
                                return covered;
                            }
                        }
                    }
                }
                if (scan.invalidReason() != null) {
                    throw new LogException.CorruptBatchException("Compaction stopped: " + scan.describeFailure());
                }
            }
            covered++;
        }
        return covered;
    }

    /** Copies the retained records of {@code in} into {@code out}; returns {records read, records kept}. */
    private long[] rewrite(LogSegment in, LogSegment out, Filter filter, long nowMs) throws IOException {
        long[] counts = new long[2];
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES);
        ByteBuffer output = ByteBuffer.allocate(CHUNK_BYTES);
        try (BatchScanner scan = in.scanner(0, in.sizeInBytes(), true)) {
            while (scan.next()) {
                ByteBuffer batch = scan.currentBatch();
                if (chunk.remaining() < batch.remaining()) {
                    output = flushChunk(chunk, output, out, filter, counts, nowMs);
                    if (chunk.capacity() < batch.remaining()) {
                        chunk = ByteBuffer.allocate(batch.remaining());
                    }
                }
                chunk.put(batch);
            }
            if (scan.invalidReason() != null) {
                throw new LogException.CorruptBatchException("Compaction stopped: " + scan.describeFailure());
            }
        }
        flushChunk(chunk, output, out, filter, counts, nowMs);
        return counts;
    }

    private ByteBuffer flushChunk(ByteBuffer chunk, ByteBuffer output, LogSegment out, Filter filter, long[] counts,
                                  long nowMs) throws IOException {
        chunk.flip();
        if (!chunk.hasRemaining()) {
            chunk.clear();
            return output;
        }
        output.clear();
        MemoryRecords.FilterResult result = MemoryRecords.readableRecords(chunk).filterTo(filter, output, BufferSupplier.NO_CACHING);
        counts[0] += result.messagesRead();
        counts[1] += result.messagesRetained();
        ByteBuffer written = result.outputBuffer();
        written.flip();
        if (written.hasRemaining()) {
            MemoryRecords retained = MemoryRecords.readableRecords(written);
            long last = -1;
            for (MutableRecordBatch b : retained.batches()) {
                last = b.lastOffset();
            }
            out.append(retained, last, nowMs);
        }
        chunk.clear();
        return written.capacity() > output.capacity() ? written : output;
    }

    private long[] hash(ByteBuffer key) {
        md5.reset();
        md5.update(key.duplicate());
        ByteBuffer d = ByteBuffer.wrap(md5.digest());
        return new long[]{d.getLong(), d.getLong()};
    }

    private final class Filter extends MemoryRecords.RecordFilter {
        long earliestPendingHorizon = Long.MAX_VALUE;

        Filter(long currentTime, long deleteRetentionMs) {
            super(currentTime, deleteRetentionMs);
        }

        @Override
        protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
            return new BatchRetentionResult(BatchRetention.DELETE_EMPTY, false);
        }

        @Override
        protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
            if (!record.hasKey()) {
                return true;
            }
            long latest = map.get(hash(record.key()));
            if (latest > record.offset()) {
                return false;
            }
            if (!record.hasValue()) {
                // Kafka's filter stamps the delete horizon (now + delete.retention.ms) into batches holding tombstones
                // the first time it rewrites them; once that time has passed the tombstone goes.
                long horizon = batch.deleteHorizonMs().orElse(currentTime + deleteRetentionMs);
                if (batch.deleteHorizonMs().isPresent() && currentTime >= horizon) {
                    return false;
                }
                earliestPendingHorizon = Math.min(earliestPendingHorizon, horizon);
            }
            return true;
        }
    }

    /**
     * Fixed-capacity open-addressing map from a 128-bit key hash to an offset: 24 bytes per slot, no per-entry
     * objects, so the cleaner's memory is bounded by its key limit.
     */
    static final class OffsetMap {
        private final int maxKeys;
        private final long[] hi;
        private final long[] lo;
        private final long[] offsets;
        private final int mask;
        private int size;

        OffsetMap(int maxKeys) {
            this.maxKeys = maxKeys;
            int slots = Integer.highestOneBit(Math.max(16, (int) Math.min(1 << 30, maxKeys * 4L / 3)) * 2 - 1);
            hi = new long[slots];
            lo = new long[slots];
            offsets = new long[slots];
            mask = slots - 1;
            clear();
        }

        int capacity() {
            return maxKeys;
        }

        void clear() {
            java.util.Arrays.fill(offsets, -1);
            size = 0;
        }

        /** Records {@code offset} for the key; false if the key is new and the map is full. */
        boolean put(long[] h, long offset) {
            int i = (int) h[0] & mask;
            while (offsets[i] >= 0) {
                if (hi[i] == h[0] && lo[i] == h[1]) {
                    offsets[i] = Math.max(offsets[i], offset);
                    return true;
                }
                i = (i + 1) & mask;
            }
            if (size >= maxKeys) {
                return false;
            }
            hi[i] = h[0];
            lo[i] = h[1];
            offsets[i] = offset;
            size++;
            return true;
        }

        /** The key's offset, or -1. */
        long get(long[] h) {
            int i = (int) h[0] & mask;
            while (offsets[i] >= 0) {
                if (hi[i] == h[0] && lo[i] == h[1]) {
                    return offsets[i];
                }
                i = (i + 1) & mask;
            }
            return -1;
        }
    }
}
