package io.cairn.log;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.kafka.common.record.FileLogInputStream;
import org.apache.kafka.common.record.FileRecords;

/** File-level helpers for tests that look at or damage what the engine left on disk. */
final class LogFiles {
    private LogFiles() {
    }

    static Path partitionDir(Path dataDir, String topic, int partition) {
        return dataDir.resolve(topic).resolve(Integer.toString(partition));
    }

    static Path segmentFile(Path partitionDir, long baseOffset, String suffix) {
        return partitionDir.resolve(String.format("%020d%s", baseOffset, suffix));
    }

    /** Start position, size, base and last offset of one batch of a segment file, read with Kafka's own parser. */
    record BatchAt(int position, int size, long baseOffset, long lastOffset) {
    }

    static List<BatchAt> batches(Path logFile) {
        List<BatchAt> out = new ArrayList<>();
        try (FileRecords fr = FileRecords.open(logFile.toFile(), false)) {
            int pos = 0;
            for (FileLogInputStream.FileChannelRecordBatch b : fr.batches()) {
                out.add(new BatchAt(pos, b.sizeInBytes(), b.baseOffset(), b.lastOffset()));
                pos += b.sizeInBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Inverts every bit of the byte at {@code position}. */
    static void flipByte(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(~b & 0xff);
        }
    }

    static void appendBytes(Path file, byte[] bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(raf.length());
            raf.write(bytes);
        }
    }

    static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
        }
    }

    /** Rewrites {@code partition.checkpoint} keeping its offsets but saying the engine did not shut down cleanly. */
    static void markUncleanShutdown(Path partitionDir) throws IOException {
        Path cp = partitionDir.resolve(PartitionCheckpoint.FILE);
        String text = Files.readString(cp);
        if (!text.contains("clean.shutdown=true")) {
            throw new IllegalStateException("expected a clean checkpoint, found: " + text);
        }
        Files.writeString(cp, text.replace("clean.shutdown=true", "clean.shutdown=false"));
    }

    static List<String> names(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Copies a directory tree as a crash would leave it: whatever the files hold now (page cache included). Files that
     * vanish while copying (a checkpoint's temporary file being renamed) are skipped.
     */
    static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        List<Path> children;
        try (Stream<Path> s = Files.list(from)) {
            children = s.toList();
        }
        for (Path src : children) {
            Path dst = to.resolve(src.getFileName().toString());
            try {
                if (Files.isDirectory(src)) {
                    copyTree(src, dst);
                } else {
                    Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (NoSuchFileException gone) {
                // renamed or deleted meanwhile (background deletion, checkpoint replacement)
            }
        }
    }

    static File file(Path p) {
        return p.toFile();
    }
}
