package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery after an unclean shutdown that lost unflushed data in a segment that is not the last one: possible since a
 * rolled segment is flushed in the background, so the OS may write a later segment's pages before an earlier one's.
 * Offsets must stay contiguous: the later segments are dropped.
 */
class RecoveryTest {
    @TempDir
    Path dir;

    private static final Map<String, String> TOPIC = Map.of(TopicConfig.SEGMENT_BYTES, "1024",
            TopicConfig.FLUSH_MESSAGES, String.valueOf(Long.MAX_VALUE));

    /** Fills three or more segments with batches of 3 records "v<n>" and closes cleanly; returns the log end. */
    private long fill(LogEngineConfig cfg) {
        try (LogEngine engine = LogEngine.open(cfg)) {
            engine.createTopic("t", 1, TOPIC);
            PartitionLog p = engine.partition("t", 0);
            int n = 0;
            while (p.segments().size() < 4) {
                p.append(Batches.of(1_000L, "v" + n, "v" + (n + 1), "v" + (n + 2)));
                n += 3;
            }
            return p.logEndOffset();
        }
    }

    private File partitionDir() {
        return dir.resolve("t").resolve("0").toFile();
    }

    private List<File> logFiles() {
        File[] files = partitionDir().listFiles((d, name) -> name.endsWith(".log"));
        List<File> sorted = new java.util.ArrayList<>(List.of(files));
        sorted.sort(java.util.Comparator.comparing(File::getName));
        return sorted;
    }

    /** Marks the partition as crashed with nothing known to be flushed. */
    private void crash() throws IOException {
        new PartitionCheckpoint(0, 0, false, 0).write(partitionDir());
    }

    private static void checkContiguousFromZero(PartitionLog p) {
        List<Batches.Read> all = Batches.readAll(p, 0, 1 << 16);
        assertThat(all).hasSize((int) p.logEndOffset());
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).offset()).isEqualTo(i);
            assertThat(all.get(i).value()).isEqualTo("v" + i);
        }
    }

    @Test
    void tornTailOfAnEarlierSegmentDropsTheLaterOnes() throws IOException {
        LogEngineConfig cfg = LogEngineConfig.builder(dir).cleanerIntervalMs(0).build();
        long end = fill(cfg);
        List<File> logs = logFiles();
        assertThat(logs).hasSizeGreaterThanOrEqualTo(4);
        File first = logs.get(0);
        long secondBase = Long.parseLong(logs.get(1).getName().replace(".log", ""));
        try (FileChannel ch = FileChannel.open(first.toPath(), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 10); // the last batch of the first segment is torn
        }
        crash();
        try (LogEngine engine = LogEngine.open(cfg)) {
            PartitionLog p = engine.partition("t", 0);
            assertThat(p.logEndOffset()).isEqualTo(secondBase - 3).isLessThan(end);
            assertThat(p.segments()).hasSize(1);
            assertThat(logFiles()).containsExactly(first);
            checkContiguousFromZero(p);
            long next = p.logEndOffset();
            assertThat(p.append(Batches.of(1_000L, "v" + next, "v" + (next + 1), "v" + (next + 2))).baseOffset()).isEqualTo(next);
            while (p.segments().size() < 3) {
                long n = p.logEndOffset();
                p.append(Batches.of(1_000L, "v" + n, "v" + (n + 1), "v" + (n + 2)));
            }
            checkContiguousFromZero(p);
        }
        try (LogEngine engine = LogEngine.open(cfg)) {
            checkContiguousFromZero(engine.partition("t", 0));
        }
    }

    @Test
    void corruptBatchInAMiddleSegmentDropsTheLaterOnes() throws IOException {
        LogEngineConfig cfg = LogEngineConfig.builder(dir).cleanerIntervalMs(0).build();
        fill(cfg);
        List<File> logs = logFiles();
        File second = logs.get(1);
        long secondBase = Long.parseLong(second.getName().replace(".log", ""));
        try (FileChannel ch = FileChannel.open(second.toPath(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, 70); // inside the first record of the first batch: CRC-covered
            b.put(0, (byte) (b.get(0) ^ 1)).flip();
            ch.write(b, 70);
        }
        crash();
        try (LogEngine engine = LogEngine.open(cfg)) {
            PartitionLog p = engine.partition("t", 0);
            assertThat(p.logEndOffset()).isEqualTo(secondBase);
            assertThat(logFiles()).hasSize(2);
            checkContiguousFromZero(p);
            assertThat(p.append(Batches.of(1_000L, "v" + secondBase)).baseOffset()).isEqualTo(secondBase);
            checkContiguousFromZero(p);
        }
    }

    @Test
    void tornTailOfTheLastSegmentKeepsTheOthers() throws IOException {
        LogEngineConfig cfg = LogEngineConfig.builder(dir).cleanerIntervalMs(0).build();
        long end = fill(cfg);
        List<File> logs = logFiles();
        File last = logs.get(logs.size() - 1);
        try (FileChannel ch = FileChannel.open(last.toPath(), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 1);
        }
        crash();
        try (LogEngine engine = LogEngine.open(cfg)) {
            PartitionLog p = engine.partition("t", 0);
            assertThat(p.logEndOffset()).isEqualTo(end - 3);
            assertThat(logFiles()).hasSize(logs.size());
            checkContiguousFromZero(p);
        }
    }
}
