package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Time- and size-based retention, DeleteRecords, and what survives a reopen; all on a manual clock. */
class RetentionTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(T0);
    private LogEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private LogEngineConfig config() {
        return LogEngineConfig.builder(dir).clock(clock).cleanerIntervalMs(0).build();
    }

    private PartitionLog create(Map<String, String> overrides) {
        engine = LogEngine.open(config());
        Map<String, String> cfg = new HashMap<>(Map.of(TopicConfig.SEGMENT_BYTES, "100000",
                TopicConfig.INDEX_INTERVAL_BYTES, "64", TopicConfig.FILE_DELETE_DELAY_MS, "0"));
        cfg.putAll(overrides);
        engine.createTopic("r", 1, cfg);
        return engine.partition("r", 0);
    }

    private PartitionLog reopen() {
        engine.close();
        engine = LogEngine.open(config());
        return engine.partition("r", 0);
    }

    private Path partitionDir() {
        return LogFiles.partitionDir(dir, "r", 0);
    }

    /** Appends {@code batches} batches of 2 records with timestamp {@code ts}, then rolls; returns the segment base. */
    private static long segment(PartitionLog p, long ts, int batches) {
        long base = p.logEndOffset();
        for (int i = 0; i < batches; i++) {
            p.append(Batches.of(ts, "v" + (base + 2 * i), "v" + (base + 2 * i + 1)));
        }
        p.roll();
        return base;
    }

    private static List<Long> bases(PartitionLog p) {
        return p.segments().stream().map(PartitionLog.SegmentInfo::baseOffset).toList();
    }

    private void awaitFilesGone(long... bases) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (long b : bases) {
                for (String suffix : List.of(".log", ".index", ".timeindex")) {
                    assertThat(LogFiles.segmentFile(partitionDir(), b, suffix)).doesNotExist();
                    assertThat(LogFiles.segmentFile(partitionDir(), b, suffix + ".deleted")).doesNotExist();
                }
            }
        });
    }

    private static void assertReadable(PartitionLog p, long from) {
        List<Batches.Read> all = Batches.readAll(p, from, 1000);
        assertThat(all).hasSize((int) (p.logEndOffset() - from));
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).offset()).isEqualTo(from + i);
            assertThat(all.get(i).value()).isEqualTo("v" + (from + i));
        }
    }

    @Test
    void retentionMsDeletesOnlyClosedSegmentsOlderThanTheLimit() {
        PartitionLog p = create(Map.of(TopicConfig.RETENTION_MS, Long.toString(10 * HOUR)));
        long s0 = segment(p, T0 - 30 * HOUR, 3);
        long s1 = segment(p, T0 - 12 * HOUR, 3);
        // a segment with one old and one recent batch: its largest timestamp is what counts
        long s2 = p.logEndOffset();
        p.append(Batches.of(T0 - 40 * HOUR, "v" + s2, "v" + (s2 + 1)));
        p.append(Batches.of(T0 - 5 * HOUR, "v" + (s2 + 2), "v" + (s2 + 3)));
        p.roll();
        long active = p.logEndOffset();
        p.append(Batches.of(T0 - 50 * HOUR, "v" + active, "v" + (active + 1))); // old, but in the active segment...
        p.append(Batches.of(T0, "v" + (active + 2), "v" + (active + 3)));       // ...which holds a new one too
        assertThat(bases(p)).containsExactly(s0, s1, s2, active);

        assertThat(p.applyRetention(clock.millis())).isEqualTo(2);
        assertThat(bases(p)).containsExactly(s2, active);
        assertThat(p.logStartOffset()).isEqualTo(s2);
        assertThatThrownBy(() -> p.read(s2 - 1, 1000)).isInstanceOf(LogException.OffsetOutOfRangeException.class)
                .hasMessageContaining("log start " + s2);
        assertThatThrownBy(() -> p.read(0, 1000)).isInstanceOf(LogException.OffsetOutOfRangeException.class);
        assertReadable(p, s2);
        awaitFilesGone(s0, s1);

        // Nothing more is due until s2's newest record (T0 - 5h) is older than 10 hours.
        clock.set(T0 + 5 * HOUR);
        assertThat(engine.runRetention()).isZero();
        clock.set(T0 + 5 * HOUR + 1);
        assertThat(engine.runRetention()).isEqualTo(1);
        assertThat(bases(p)).containsExactly(active);
        assertThat(p.logStartOffset()).isEqualTo(active);
        awaitFilesGone(s2);
        assertReadable(p, active);
    }

    @Test
    void expiredActiveSegmentIsRolledAndDeleted() {
        PartitionLog p = create(Map.of(TopicConfig.RETENTION_MS, Long.toString(HOUR)));
        segment(p, T0, 2);
        p.append(Batches.of(T0, "v4", "v5"));
        assertThat(p.applyRetention(T0 + HOUR)).isZero(); // exactly at the limit: not yet older

        clock.set(T0 + HOUR + 1);
        assertThat(engine.runRetention()).isEqualTo(2);
        assertThat(p.logStartOffset()).isEqualTo(6);
        assertThat(p.logEndOffset()).isEqualTo(6);
        assertThat(p.segments()).singleElement().satisfies(s -> {
            assertThat(s.baseOffset()).isEqualTo(6);
            assertThat(s.active()).isTrue();
            assertThat(s.sizeInBytes()).isZero();
        });
        assertThat(p.read(6, 1000).records().sizeInBytes()).isZero();
        assertThatThrownBy(() -> p.read(5, 1000)).isInstanceOf(LogException.OffsetOutOfRangeException.class);
        awaitFilesGone(0, 4);
        assertThat(p.append(Batches.of(clock.millis(), "v6")).baseOffset()).isEqualTo(6);
        assertReadable(p, 6);

        PartitionLog again = reopen();
        assertThat(again.logStartOffset()).isEqualTo(6);
        assertThat(again.logEndOffset()).isEqualTo(7);
        assertReadable(again, 6);
    }

    @Test
    void noRetentionWhenDisabledOrCompactOnly() {
        PartitionLog p = create(Map.of(TopicConfig.RETENTION_MS, "-1"));
        segment(p, 0, 2);
        segment(p, 1, 2);
        assertThat(p.applyRetention(Long.MAX_VALUE / 2)).isZero();
        engine.alterTopicConfig("r", Map.of(TopicConfig.RETENTION_MS, "1", TopicConfig.RETENTION_BYTES, "1",
                TopicConfig.CLEANUP_POLICY, "compact"));
        assertThat(p.applyRetention(clock.millis())).isZero();
        assertThat(bases(p)).containsExactly(0L, 4L, 8L);
        assertThat(p.logStartOffset()).isZero();
    }

    @Test
    void retentionBytesDeletesOldestFirstAndKeepsAtMostLimitPlusOneSegment() {
        PartitionLog p = create(Map.of());
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(segment(p, T0 + i, 3)); // the newest segments have the newest timestamps, all recent
        }
        p.append(Batches.of(T0, "v" + p.logEndOffset(), "v" + (p.logEndOffset() + 1)));
        long segmentSize = p.segments().stream().mapToLong(PartitionLog.SegmentInfo::sizeInBytes).max().orElseThrow();
        long limit = (long) (3.5 * segmentSize);
        engine.alterTopicConfig("r", Map.of(TopicConfig.RETENTION_BYTES, Long.toString(limit)));
        List<PartitionLog.SegmentInfo> initial = p.segments();
        int deleted = p.applyRetention(clock.millis());

        List<PartitionLog.SegmentInfo> left = p.segments();
        assertThat(deleted).isPositive();
        assertThat(bases(p)).isEqualTo(tail(all, p.logEndOffset(), left.size()));
        assertThat(p.sizeInBytes()).isLessThanOrEqualTo(limit + segmentSize);
        // it deleted as much as it could: removing the oldest remaining segment would go below the limit
        assertThat(p.sizeInBytes() - left.get(0).sizeInBytes()).isLessThan(limit);
        assertThat(left).isEqualTo(initial.subList(deleted, initial.size()));
        assertThat(p.logStartOffset()).isEqualTo(left.get(0).baseOffset());
        assertReadable(p, p.logStartOffset());
        awaitFilesGone(all.subList(0, deleted).stream().mapToLong(Long::longValue).toArray());
        assertThat(p.applyRetention(clock.millis())).isZero();

        // retention.bytes=0 removes every closed segment, never the active one
        engine.alterTopicConfig("r", Map.of(TopicConfig.RETENTION_BYTES, "0"));
        p.applyRetention(clock.millis());
        assertThat(p.segments()).singleElement().satisfies(s -> assertThat(s.active()).isTrue());
        assertReadable(p, p.logStartOffset());
    }

    /** The last {@code n} segment bases, counting the active segment (base = log end) when it is not in {@code all}. */
    private static List<Long> tail(List<Long> closed, long activeBase, int n) {
        List<Long> withActive = new ArrayList<>(closed);
        withActive.add(activeBase - 2); // the active segment holds one batch of two records
        return withActive.subList(withActive.size() - n, withActive.size());
    }

    @Test
    void logStartOffsetSurvivesReopen() {
        PartitionLog p = create(Map.of(TopicConfig.RETENTION_MS, Long.toString(HOUR)));
        segment(p, T0 - 2 * HOUR, 2);
        long kept = segment(p, T0, 2);
        p.append(Batches.of(T0, "v" + p.logEndOffset()));
        p.applyRetention(clock.millis());
        assertThat(p.logStartOffset()).isEqualTo(kept);
        long end = p.logEndOffset();

        PartitionLog again = reopen();
        assertThat(again.logStartOffset()).isEqualTo(kept);
        assertThat(again.logEndOffset()).isEqualTo(end);
        assertThatThrownBy(() -> again.read(kept - 1, 100)).isInstanceOf(LogException.OffsetOutOfRangeException.class);
        assertReadable(again, kept);
    }

    @Test
    void deleteRecordsBeforeHidesOffsetsDeletesWholeSegmentsAndSurvivesReopen() throws Exception {
        PartitionLog p = create(Map.of());
        long s0 = segment(p, T0, 3);  // 0..5
        long s1 = segment(p, T0, 3);  // 6..11
        long s2 = segment(p, T0, 3);  // 12..17
        p.append(Batches.of(T0, "v18", "v19"));

        assertThat(p.deleteRecordsBefore(9)).isEqualTo(9);
        assertThat(p.logStartOffset()).isEqualTo(9);
        assertThat(bases(p)).containsExactly(s1, s2, 18L);
        awaitFilesGone(s0);
        assertThatThrownBy(() -> p.read(8, 1000)).isInstanceOf(LogException.OffsetOutOfRangeException.class);
        // offset 9 is in the middle of a batch: the read returns that whole batch
        List<Batches.Read> first = Batches.records(p.read(9, 1).records());
        assertThat(first).extracting(Batches.Read::offset).containsExactly(8L, 9L);
        assertReadable(p, 9);
        assertThat(p.offsetForTimestamp(0)).get().extracting(t -> t.offset).isEqualTo(9L);

        // going back is a no-op, going past the high watermark is refused
        assertThat(p.deleteRecordsBefore(3)).isEqualTo(9);
        assertThatThrownBy(() -> p.deleteRecordsBefore(21)).isInstanceOf(LogException.OffsetOutOfRangeException.class);
        assertThat(p.logStartOffset()).isEqualTo(9);

        PartitionLog again = reopen();
        assertThat(again.logStartOffset()).isEqualTo(9);
        assertThat(again.logEndOffset()).isEqualTo(20);
        assertThatThrownBy(() -> again.read(8, 1000)).isInstanceOf(LogException.OffsetOutOfRangeException.class);
        assertReadable(again, 9);

        // up to the end of a segment: that segment goes too
        assertThat(again.deleteRecordsBefore(18)).isEqualTo(18);
        assertThat(bases(again)).containsExactly(18L);
        // up to the high watermark: everything is hidden, appends go on
        assertThat(again.deleteRecordsBefore(20)).isEqualTo(20);
        assertThat(again.read(20, 100).records().sizeInBytes()).isZero();
        assertThat(again.append(Batches.of(T0, "v20")).baseOffset()).isEqualTo(20);
        assertReadable(again, 20);
        PartitionLog third = reopen();
        assertThat(third.logStartOffset()).isEqualTo(20);
        assertReadable(third, 20);
        assertThat(Files.exists(LogFiles.segmentFile(partitionDir(), s1, ".log"))).isFalse();
    }

    @Test
    void deletedSegmentsAreRenamedFirstAndRemovedAfterTheDelay() {
        PartitionLog p = create(Map.of(TopicConfig.FILE_DELETE_DELAY_MS, "3600000"));
        long s0 = segment(p, T0, 2);
        segment(p, T0, 2);
        p.deleteRecordsBefore(4);
        Path pd = partitionDir();
        for (String suffix : List.of(".log", ".index", ".timeindex")) {
            assertThat(LogFiles.segmentFile(pd, s0, suffix)).doesNotExist();
            assertThat(LogFiles.segmentFile(pd, s0, suffix + ".deleted")).exists();
        }
        // a clean close runs the pending deletions
        engine.close();
        for (String suffix : List.of(".log", ".index", ".timeindex")) {
            assertThat(LogFiles.segmentFile(pd, s0, suffix + ".deleted")).doesNotExist();
        }
        engine = LogEngine.open(config());
        assertThat(engine.partition("r", 0).logStartOffset()).isEqualTo(4);
    }

    @Test
    void readerThatFoundASegmentBeforeItWasDeletedCanStillReadIt() throws Exception {
        // Reads take no lock: a reader may have looked a segment up just before retention removed it. Until the
        // files are really deleted (file.delete.delay.ms), that segment must still serve the read.
        PartitionLog p = create(Map.of(TopicConfig.FILE_DELETE_DELAY_MS, "3600000"));
        segment(p, T0, 3);
        segment(p, T0, 3);
        LogSegment first = p.closedSegments().get(0);
        p.deleteRecordsBefore(6);
        assertThat(p.closedSegments()).doesNotContain(first);
        LogSegment.Slice slice = first.read(2, 1000, first.sizeInBytes(), true, true);
        assertThat(Batches.records(slice.records())).extracting(Batches.Read::value).startsWith("v2", "v3");
        assertThat(first.findOffsetByTimestamp(T0, 0)).get().extracting(t -> t.offset).isEqualTo(0L);
    }

    @Test
    void leftoverDeletedFilesAreRemovedAtOpen() throws Exception {
        PartitionLog p = create(Map.of());
        segment(p, T0, 2);
        engine.close();
        Path pd = partitionDir();
        Path stray = LogFiles.segmentFile(pd, 0, ".log.deleted");
        Files.copy(LogFiles.segmentFile(pd, 0, ".log"), stray);
        engine = LogEngine.open(config());
        assertThat(stray).doesNotExist();
        assertReadable(engine.partition("r", 0), 0);
    }
}
