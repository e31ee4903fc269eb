package io.cairn.log;

import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * The small, atomically replaced state file of a partition, {@code partition.checkpoint}.
 *
 * <p>Format: Java properties text (ISO-8859-1), keys
 * <ul>
 *   <li>{@code version} = 1</li>
 *   <li>{@code log.start.offset}: first offset readers may see (advanced by retention and DeleteRecords)</li>
 *   <li>{@code recovery.point}: every batch below this offset was fsynced before the file was written, so recovery
 *       after a crash only checks segments from the one holding it</li>
 *   <li>{@code clean.shutdown}: true only when written by a clean close; the partition rewrites it as false right after
 *       opening, so a crash afterwards is never mistaken for a clean stop</li>
 *   <li>{@code cleaner.offset}: compaction has processed every closed segment below this offset</li>
 * </ul>
 * Replaced by writing {@code partition.checkpoint.tmp}, fsyncing it, renaming it over the old file and fsyncing the
 * directory, so a crash leaves either the old or the new file, never a mix.
 */
record PartitionCheckpoint(long logStartOffset, long recoveryPoint, boolean cleanShutdown, long cleanerOffset) {
    static final String FILE = "partition.checkpoint";

    static PartitionCheckpoint initial() {
        return new PartitionCheckpoint(0, 0, false, 0);
    }

    static PartitionCheckpoint read(File dir) throws IOException {
        Path p = dir.toPath().resolve(FILE);
        if (!Files.exists(p)) {
            return null;
        }
        Properties props = new Properties();
        try {
            props.load(new StringReader(Files.readString(p, StandardCharsets.ISO_8859_1)));
            if (!"1".equals(props.getProperty("version"))) {
                throw new IOException("unknown version " + props.getProperty("version"));
            }
            return new PartitionCheckpoint(
                    Long.parseLong(props.getProperty("log.start.offset")),
                    Long.parseLong(props.getProperty("recovery.point")),
                    Boolean.parseBoolean(props.getProperty("clean.shutdown")),
                    Long.parseLong(props.getProperty("cleaner.offset", "0")));
        } catch (IOException | RuntimeException e) {
            // Unreadable state is never trusted: treat the partition as crashed and recover it from its segments.
            LoggerHolder.LOG.warn("Ignoring unreadable {}: {}", p, e.toString());
            return null;
        }
    }

    void write(File dir) throws IOException {
        String text = "version=1\nlog.start.offset=" + logStartOffset + "\nrecovery.point=" + recoveryPoint
                + "\nclean.shutdown=" + cleanShutdown + "\ncleaner.offset=" + cleanerOffset + "\n";
        Path tmp = dir.toPath().resolve(FILE + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.ISO_8859_1);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, dir.toPath().resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        FileUtil.fsyncDirectory(dir.toPath());
    }

    private static final class LoggerHolder {
        static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PartitionCheckpoint.class);
    }
}
