package io.cairn.log;

import java.io.File;
import java.io.IOException;
import java.nio.MappedByteBuffer;

/**
 * Sparse map from timestamp to offset within one segment, used to find the first offset at or after a time.
 *
 * <p>Format ({@code <baseOffset>.timeindex}): a sequence of 12-byte entries, big-endian,
 * {@code maxTimestampSoFar:int64 relativeOffset:int32}. An entry says "every record in batches before the one starting
 * at {@code baseOffset + relativeOffset}, and in that batch, has a timestamp at most {@code maxTimestampSoFar}".
 * Timestamps are strictly increasing from entry to entry (an entry is only written when the maximum grows), so the
 * search for time {@code t} can start at the last entry whose timestamp is below {@code t}.
 */
final class TimeIndex extends AbstractIndex {
    static final int ENTRY_SIZE = 12;

    TimeIndex(File file, long baseOffset, int maxIndexBytes, boolean writable) throws IOException {
        super(file, baseOffset, maxIndexBytes, writable, ENTRY_SIZE);
    }

    @Override
    long key(MappedByteBuffer buf, int n) {
        return buf.getLong(n * ENTRY_SIZE);
    }

    long timestamp(int n) {
        return buffer().getLong(n * ENTRY_SIZE);
    }

    long offset(int n) {
        return baseOffset + buffer().getInt(n * ENTRY_SIZE + 8);
    }

    long lastTimestamp() {
        int n = entries();
        return n == 0 ? Long.MIN_VALUE : timestamp(n - 1);
    }

    /** Last entry whose timestamp is strictly below {@code timestamp}, or -1. */
    int lookupBefore(long timestamp) {
        return timestamp == Long.MIN_VALUE ? -1 : floorEntry(timestamp - 1);
    }

    void maybeAppend(long maxTimestampSoFar, long offset) {
        if (maxTimestampSoFar > lastTimestamp() && !isFull()) {
            int slot = nextSlot();
            MappedByteBuffer buf = buffer();
            buf.putLong(slot, maxTimestampSoFar);
            buf.putInt(slot + 8, Math.toIntExact(offset - baseOffset));
            published();
        }
    }

    @Override
    void sanityCheck() throws CorruptIndexException {
        super.sanityCheck();
        int previous = -1;
        for (int i = 0; i < entries(); i++) {
            int rel = buffer().getInt(i * ENTRY_SIZE + 8);
            if (rel < previous) {
                throw new CorruptIndexException(file + ": entry " + i + " has an offset out of order");
            }
            previous = rel;
        }
    }
}
