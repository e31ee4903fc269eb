package io.cairn.log;

import java.io.File;
import java.io.IOException;
import java.nio.MappedByteBuffer;

/**
 * Sparse map from offset to file position within one segment.
 *
 * <p>Format ({@code <baseOffset>.index}): a sequence of 8-byte entries, big-endian,
 * {@code relativeOffset:int32 position:int32}, where {@code relativeOffset = batch base offset - segment base offset}
 * and {@code position} is the byte position of that batch in the segment's {@code .log} file. Entries are strictly
 * increasing in both fields. One entry is written at most every {@code index.interval.bytes} bytes of log, so a lookup
 * scans at most that many bytes of batch headers after the binary search.
 */
final class OffsetIndex extends AbstractIndex {
    static final int ENTRY_SIZE = 8;

    OffsetIndex(File file, long baseOffset, int maxIndexBytes, boolean writable) throws IOException {
        super(file, baseOffset, maxIndexBytes, writable, ENTRY_SIZE);
    }

    @Override
    long key(MappedByteBuffer buf, int n) {
        return buf.getInt(n * ENTRY_SIZE);
    }

    long offset(int n) {
        return baseOffset + buffer().getInt(n * ENTRY_SIZE);
    }

    int position(int n) {
        return buffer().getInt(n * ENTRY_SIZE + 4);
    }

    /** Entry with the largest offset at most {@code offset}, or -1. */
    int lookup(long offset) {
        return floorEntry(offset - baseOffset);
    }

    void append(long offset, int position) {
        int slot = nextSlot();
        MappedByteBuffer buf = buffer();
        buf.putInt(slot, Math.toIntExact(offset - baseOffset));
        buf.putInt(slot + 4, position);
        published();
    }

    /** Last indexed offset, or -1 if the index is empty. */
    long lastOffset() {
        int n = entries();
        return n == 0 ? -1 : offset(n - 1);
    }

    @Override
    void sanityCheck() throws CorruptIndexException {
        super.sanityCheck();
        int previous = -1;
        for (int i = 0; i < entries(); i++) {
            int p = position(i);
            if (p <= previous || buffer().getInt(i * ENTRY_SIZE) < 0) {
                throw new CorruptIndexException(file + ": entry " + i + " has a position or offset out of order");
            }
            previous = p;
        }
    }
}
