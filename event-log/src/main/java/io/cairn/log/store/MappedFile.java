package io.cairn.log.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A file accessed through memory mappings of up to {@link #CHUNK} bytes each, growing on demand, so a file of many
 * gigabytes needs no heap and no single 2 GB mapping. Callers keep each entry inside one chunk (entries are placed so
 * that none straddles a multiple of {@code CHUNK}); the OS pages data in and out, the JVM heap holds only the mapping
 * objects.
 *
 * <p>Not thread-safe: the owner serializes access. Mappings are released by the garbage collector (as the segment
 * indexes' are), never explicitly, so no access can ever touch an unmapped region.
 */
final class MappedFile implements AutoCloseable {
    static final int CHUNK_SHIFT = 26;
    static final long CHUNK = 1L << CHUNK_SHIFT; // 64 MiB
    private static final long CHUNK_MASK = CHUNK - 1;

    private final Path path;
    private final RandomAccessFile raf;
    private final List<MappedByteBuffer> chunks = new ArrayList<>();
    private long mapped;

    MappedFile(Path path, long initialSize) throws IOException {
        this.path = path;
        this.raf = new RandomAccessFile(path.toFile(), "rw");
        ensure(Math.max(initialSize, raf.length()));
    }

    Path path() {
        return path;
    }

    long length() {
        return mapped;
    }

    /** Makes [0, size) accessible, growing the file (sparse) by at least doubling, at most a chunk at a time. */
    void ensure(long size) throws IOException {
        if (size <= mapped) {
            return;
        }
        long target = Math.max(size, Math.min(Math.max(mapped * 2, 4096), mapped + CHUNK));
        target = (target + 4095) & ~4095L;
        if (raf.length() < target) {
            raf.setLength(target);
        }
        FileChannel ch = raf.getChannel();
        while (mapped < target) {
            int idx = (int) (mapped >>> CHUNK_SHIFT);
            long start = (long) idx << CHUNK_SHIFT;
            long len = Math.min(CHUNK, target - start);
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, start, len);
            if (idx < chunks.size()) {
                chunks.set(idx, m); // a longer mapping of a partial last chunk
            } else {
                chunks.add(m);
            }
            mapped = start + len;
        }
    }

    /** The first position ≥ {@code pos} where {@code size} bytes fit without crossing a chunk boundary. */
    static long fit(long pos, int size) {
        if ((pos & CHUNK_MASK) + size > CHUNK) {
            return (pos + CHUNK_MASK) & ~CHUNK_MASK;
        }
        return pos;
    }

    private MappedByteBuffer chunk(long pos) {
        return chunks.get((int) (pos >>> CHUNK_SHIFT));
    }

    long getLong(long pos) {
        return chunk(pos).getLong((int) (pos & CHUNK_MASK));
    }

    void putLong(long pos, long v) {
        chunk(pos).putLong((int) (pos & CHUNK_MASK), v);
    }

    int getInt(long pos) {
        return chunk(pos).getInt((int) (pos & CHUNK_MASK));
    }

    void putInt(long pos, int v) {
        chunk(pos).putInt((int) (pos & CHUNK_MASK), v);
    }

    void put(long pos, byte[] bytes) {
        chunk(pos).put((int) (pos & CHUNK_MASK), bytes);
    }

    void get(long pos, byte[] into) {
        chunk(pos).get((int) (pos & CHUNK_MASK), into);
    }

    boolean equalsAt(long pos, byte[] bytes) {
        MappedByteBuffer c = chunk(pos);
        int at = (int) (pos & CHUNK_MASK);
        for (int i = 0; i < bytes.length; i++) {
            if (c.get(at + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** Writes the first {@code length} bytes through to the disk. */
    void forceHead(int length) {
        chunks.get(0).force(0, length);
    }

    /** Writes every dirty page through to the disk. */
    void force() {
        for (MappedByteBuffer m : chunks) {
            m.force();
        }
    }

    @Override
    public void close() throws IOException {
        raf.close();
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
