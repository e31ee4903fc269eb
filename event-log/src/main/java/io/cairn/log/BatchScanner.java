package io.cairn.log;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Walks the record batches of a segment file region by reading it in large chunks, checking each batch's framing and,
 * on request, its CRC. It reads the RecordBatch v2 header fields it needs straight from the buffer:
 *
 * <pre>
 *  offset  field                 size
 *       0  baseOffset            int64
 *       8  batchLength           int32   bytes after this field (batch size = 12 + batchLength)
 *      12  partitionLeaderEpoch  int32
 *      16  magic                 int8    must be 2
 *      17  crc                   uint32  CRC-32C of bytes [21, size)
 *      21  attributes            int16
 *      23  lastOffsetDelta       int32
 *      27  baseTimestamp         int64
 *      35  maxTimestamp          int64
 *      43  producerId            int64
 *      51  producerEpoch         int16
 *      53  baseSequence          int32
 *      57  recordsCount          int32
 *      61  records...
 * </pre>
 *
 * The CRC does not cover baseOffset, batchLength or partitionLeaderEpoch, which is what lets the log assign offsets in
 * place. This is why the scanner also checks that offsets increase: a flipped offset would pass the CRC.
 *
 * <p>Not thread-safe: one scanner per reading thread.
 */
final class BatchScanner implements AutoCloseable {
    static final int LOG_OVERHEAD = 12;
    static final int HEADER_SIZE = 61;
    static final int MAGIC_OFFSET = 16;
    static final int CRC_OFFSET = 17;
    static final int ATTRIBUTES_OFFSET = 21;
    static final int LAST_OFFSET_DELTA_OFFSET = 23;
    static final int MAX_TIMESTAMP_OFFSET = 35;
    static final int RECORDS_COUNT_OFFSET = 57;
    static final int CHUNK = 1 << 20;
    /** One direct chunk buffer per thread, lent to one scanner at a time (null while lent). */
    private static final ThreadLocal<ByteBuffer> SPARE = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK));

    private final FileChannel channel;
    private final File file;
    private final int end;
    private final boolean checkCrc;
    private final int maxBatchSize;
    private final int readAhead;
    private ByteBuffer buffer;
    private int bufferFilePosition; // file position of buffer index 0
    private int next;
    private long previousLastOffset;

    // current batch
    private int position = -1;
    private int size;
    private long baseOffset;
    private long lastOffset;
    private long maxTimestamp;
    private String invalidReason;

    BatchScanner(FileChannel channel, File file, int start, int end, boolean checkCrc, int maxBatchSize) {
        this(channel, file, start, end, checkCrc, maxBatchSize, CHUNK);
    }

    /**
     * @param checkCrc  check each batch's CRC; only then is each whole batch read (and {@link #currentBatch()}
     *                  available): without it the scanner reads batch headers only
     * @param readAhead bytes read from the file at a time (at least one batch, or header, is always read whole):
     *                  {@link #CHUNK} for scans of whole segments, about what the caller needs for short scans
     */
    BatchScanner(FileChannel channel, File file, int start, int end, boolean checkCrc, int maxBatchSize, int readAhead) {
        this.channel = channel;
        this.file = file;
        this.next = start;
        this.end = end;
        this.checkCrc = checkCrc;
        this.maxBatchSize = maxBatchSize;
        this.readAhead = Math.max(HEADER_SIZE, Math.min(CHUNK, readAhead));
        this.previousLastOffset = -1;
        this.buffer = ByteBuffer.allocate(0);
        this.bufferFilePosition = start;
    }

    /**
     * Moves to the next batch. Returns false at the end of the region, or when the next batch is invalid, in which case
     * {@link #invalidReason()} says why and {@link #position()} is where it starts. A batch running past the end of the
     * region (a torn write) is invalid.
     */
    boolean next() throws IOException {
        return next(Integer.MAX_VALUE);
    }

    /**
     * Like {@link #next()}, but stops (returns false, with no {@link #invalidReason()}) before a valid-looking batch
     * larger than {@code maxSize}, without reading or checking its body.
     */
    boolean next(int maxSize) throws IOException {
        position = next;
        if (next >= end) {
            return false;
        }
        if (end - next < LOG_OVERHEAD) {
            return invalid("only " + (end - next) + " bytes left, less than a batch's size prefix");
        }
        ensure(next, LOG_OVERHEAD);
        int at = next - bufferFilePosition;
        long base = buffer.getLong(at);
        int length = buffer.getInt(at + 8);
        long batchSize = LOG_OVERHEAD + (long) length;
        if (batchSize < HEADER_SIZE || batchSize > maxBatchSize) {
            return invalid("batch size " + batchSize + " is outside [" + HEADER_SIZE + ", " + maxBatchSize + "]");
        }
        if (next + batchSize > end) {
            return invalid("batch of " + batchSize + " bytes runs past the end of the data at " + end);
        }
        if (batchSize > maxSize) {
            return false;
        }
        ensure(next, checkCrc ? (int) batchSize : HEADER_SIZE);
        at = next - bufferFilePosition;
        byte magic = buffer.get(at + 16);
        if (magic != 2) {
            return invalid("magic " + magic + " (only record batch v2 is stored)");
        }
        long storedCrc = Integer.toUnsignedLong(buffer.getInt(at + CRC_OFFSET));
        if (checkCrc) {
            CRC32C crc = new CRC32C();
            ByteBuffer dup = buffer.duplicate();
            dup.limit(at + (int) batchSize).position(at + ATTRIBUTES_OFFSET);
            crc.update(dup);
            if (crc.getValue() != storedCrc) {
                return invalid("CRC mismatch: stored " + storedCrc + ", computed " + crc.getValue());
            }
        }
        int lastDelta = buffer.getInt(at + LAST_OFFSET_DELTA_OFFSET);
        if (base < 0 || lastDelta < 0 || base <= previousLastOffset) {
            return invalid("offsets out of order: base offset " + base + ", last offset delta " + lastDelta
                    + ", previous batch ended at " + previousLastOffset);
        }
        size = (int) batchSize;
        baseOffset = base;
        lastOffset = base + lastDelta;
        maxTimestamp = buffer.getLong(at + MAX_TIMESTAMP_OFFSET);
        previousLastOffset = lastOffset;
        next += size;
        return true;
    }

    private boolean invalid(String reason) {
        invalidReason = reason;
        return false;
    }

    /** Makes bytes [filePos, filePos + len) available in the buffer. */
    private void ensure(int filePos, int len) throws IOException {
        int have = bufferFilePosition + buffer.limit();
        if (filePos >= bufferFilePosition && filePos + len <= have) {
            return;
        }
        int want = Math.max(len, Math.min(readAhead, end - filePos));
        if (buffer.capacity() < want) {
            release();
            ByteBuffer spare = SPARE.get();
            if (want <= CHUNK && spare != null) {
                SPARE.set(null);
                buffer = spare;
            } else {
                buffer = ByteBuffer.allocate(want);
            }
        }
        buffer.clear().limit(want);
        int read = 0;
        while (read < want) {
            int n = channel.read(buffer, filePos + read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        buffer.flip();
        bufferFilePosition = filePos;
        if (read < len) {
            throw new IOException(file + ": expected " + len + " bytes at position " + filePos + " but the file ended");
        }
    }

    private void release() {
        if (buffer.isDirect() && buffer.capacity() == CHUNK) {
            SPARE.set(buffer);
        }
        buffer = ByteBuffer.allocate(0);
    }

    @Override
    public void close() {
        release();
    }

    /** The region's bytes of the current batch, valid until the next call to {@link #next()}; needs checkCrc. */
    ByteBuffer currentBatch() {
        if (!checkCrc) {
            throw new IllegalStateException("a scanner without CRC checks reads batch headers only");
        }
        ByteBuffer dup = buffer.duplicate();
        int at = position - bufferFilePosition;
        dup.limit(at + size).position(at);
        return dup.slice();
    }

    int position() {
        return position;
    }

    int size() {
        return size;
    }

    long baseOffset() {
        return baseOffset;
    }

    long lastOffset() {
        return lastOffset;
    }

    long maxTimestamp() {
        return maxTimestamp;
    }

    /** Why the scan stopped early, or null if it reached the end of the region. */
    String invalidReason() {
        return invalidReason;
    }

    String describeFailure() {
        return file + " at position " + position + ": " + invalidReason;
    }
}
