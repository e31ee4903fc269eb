package io.cairn.log;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A sparse, sorted, memory-mapped index of fixed-size entries belonging to one segment. The file of the active segment
 * is preallocated to its maximum size and trimmed to its entries when the segment is rolled or closed, so the number of
 * entries of a closed index is {@code file length / entry size}.
 *
 * <p>Indexes are derived data: they are never trusted blindly. A file whose length is not a multiple of the entry
 * size, or whose entries are not strictly increasing, fails {@link #sanityCheck()} and the segment rebuilds it from
 * the log file. Entries are also checked against the log when used (see {@link LogSegment}).
 *
 * <p>Thread-safety: one writer (the partition's appender, under the partition's append lock) and any number of
 * readers. Readers see entries up to the published {@code entries} count, which is written after the entry bytes.
 */
abstract class AbstractIndex implements AutoCloseable {
    File file;
    final long baseOffset;
    private final int entrySize;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;
    private int maxEntries;

    AbstractIndex(File file, long baseOffset, int maxIndexBytes, boolean writable, int entrySize) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            long length = raf.length();
            if (length % entrySize != 0) {
                throw new CorruptIndexException(file + ": length " + length + " is not a multiple of " + entrySize);
            }
            entries = (int) (length / entrySize);
            int capacity = writable ? Math.max(roundDown(maxIndexBytes), entries * entrySize) : entries * entrySize;
            if (writable) {
                raf.setLength(capacity);
            }
            maxEntries = capacity / entrySize;
            mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, capacity);
        }
    }

    /** Thrown when an index file cannot be used; the owner rebuilds the index. */
    static final class CorruptIndexException extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptIndexException(String message) {
            super(message);
        }
    }

    private int roundDown(int bytes) {
        return Math.max(entrySize, bytes - bytes % entrySize);
    }

    int entries() {
        return entries;
    }

    boolean isFull() {
        return entries >= maxEntries;
    }

    /** Relative key (offset or timestamp) of entry {@code n}, the one the index is sorted by. */
    abstract long key(MappedByteBuffer buf, int n);

    final MappedByteBuffer buffer() {
        return mmap;
    }

    final int entrySize() {
        return entrySize;
    }

    /** Position in the buffer where the next entry goes; the caller writes it, then calls {@link #published()}. */
    final int nextSlot() {
        if (isFull()) {
            throw new IllegalStateException("index " + file + " is full (" + maxEntries + " entries)");
        }
        return entries * entrySize;
    }

    final void published() {
        entries = entries + 1;
    }

    /** Largest entry whose key is at most {@code target}, or -1 if every entry is larger (or there is none). */
    final int floorEntry(long target) {
        MappedByteBuffer buf = mmap;
        int lo = 0;
        int hi = entries - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long k = key(buf, mid);
            if (k <= target) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Keys must be strictly increasing; anything else means the file is not what this class wrote. */
    void sanityCheck() throws CorruptIndexException {
        MappedByteBuffer buf = mmap;
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < entries; i++) {
            long k = key(buf, i);
            if (k <= previous) {
                throw new CorruptIndexException(file + ": entry " + i + " is not larger than the one before it");
            }
            previous = k;
        }
    }

    /** Drops every entry from {@code n} on (used by truncation and rebuilding). */
    void truncateToEntries(int n) {
        entries = Math.min(entries, Math.max(0, n));
    }

    void flush() {
        mmap.force();
    }

    /** Shrinks the file to its entries: called when the segment stops being the active one. */
    void trimToSize() throws IOException {
        int size = entries * entrySize;
        mmap.force();
        // The old mapping stays published until the new one replaces it: readers take no lock and must never see
        // null. They only touch the first `entries` entries, which lie inside the trimmed file, so the part of the old
        // mapping past the new end is never read. The old mapping is unmapped when garbage collected.
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            raf.setLength(size);
            maxEntries = entries;
            mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
        }
    }

    @Override
    public void close() throws IOException {
        if (mmap != null) {
            trimToSize();
            mmap = null;
        }
    }

    void renameTo(File target) throws IOException {
        java.nio.file.Files.move(file.toPath(), target.toPath(), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        file = target;
    }

    /** Closes without writing: used when the file is about to be deleted or rebuilt. */
    void abandon() {
        mmap = null;
    }
}
