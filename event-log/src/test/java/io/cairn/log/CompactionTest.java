package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log compaction on {@code cleanup.policy=compact}, driven by {@link LogEngine#runCompaction()} on a manual clock. */
class CompactionTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(T0);
    private LogEngine engine;
    /** Everything appended: offset -> record. */
    private final TreeMap<Long, Batches.Read> appended = new TreeMap<>();

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private LogEngineConfig config(Path d) {
        return LogEngineConfig.builder(d).clock(clock).cleanerIntervalMs(0).build();
    }

    private PartitionLog create(Map<String, String> overrides) {
        engine = LogEngine.open(config(dir));
        Map<String, String> cfg = new HashMap<>(Map.of(TopicConfig.CLEANUP_POLICY, "compact",
                TopicConfig.SEGMENT_BYTES, "100000", TopicConfig.INDEX_INTERVAL_BYTES, "64",
                TopicConfig.DELETE_RETENTION_MS, "1000"));
        cfg.putAll(overrides);
        engine.createTopic("c", 1, cfg);
        return engine.partition("c", 0);
    }

    private PartitionLog reopen() {
        engine.close();
        engine = LogEngine.open(config(dir));
        return engine.partition("c", 0);
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Appends one batch of {@code kv} pairs (key, value; a null value is a tombstone) and records it. */
    private long put(PartitionLog p, String... kv) {
        SimpleRecord[] rs = new SimpleRecord[kv.length / 2];
        for (int i = 0; i < rs.length; i++) {
            rs[i] = new SimpleRecord(clock.millis(), utf8(kv[2 * i]), utf8(kv[2 * i + 1]));
        }
        PartitionLog.AppendResult r = p.append(MemoryRecords.withRecords(Compression.NONE, rs));
        for (int i = 0; i < rs.length; i++) {
            appended.put(r.baseOffset() + i, new Batches.Read(r.baseOffset() + i, clock.millis(), kv[2 * i], kv[2 * i + 1]));
        }
        return r.baseOffset();
    }

    /**
     * What compaction must leave: below {@code activeBase}, the latest record of each key (among offsets below it),
     * tombstones included unless {@code dropTombstones}; at and after it, everything.
     */
    private List<Batches.Read> expected(long activeBase, boolean dropTombstones) {
        Map<String, Long> latest = new HashMap<>();
        appended.headMap(activeBase).values().forEach(r -> latest.merge(r.key(), r.offset(), Math::max));
        List<Batches.Read> out = new ArrayList<>();
        for (Batches.Read r : appended.values()) {
            boolean closed = r.offset() < activeBase;
            if (!closed || latest.get(r.key()) == r.offset() && !(dropTombstones && r.value() == null)) {
                out.add(r);
            }
        }
        return out;
    }

    private static long activeBase(PartitionLog p) {
        List<PartitionLog.SegmentInfo> s = p.segments();
        return s.get(s.size() - 1).baseOffset();
    }

    @Test
    void closedSegmentsKeepTheLatestRecordPerKeyAtTheirOffsets() {
        PartitionLog p = create(Map.of());
        put(p, "k0", "a0", "k1", "a1", "k2", "a2");
        put(p, "k3", "a3", "k0", "a4");
        put(p, "k4", "a5");
        p.roll();
        put(p, "k0", "b6", "k1", "b7");     // this whole segment is superseded by the next one
        p.roll();
        put(p, "k0", "c8");
        put(p, "k1", "c9", "k5", "c10", "k1", "c11");
        p.roll();
        put(p, "k0", "d12", "k2", "d13");   // active: untouched
        put(p, "k0", "d14");
        List<PartitionLog.SegmentInfo> before = p.segments();
        List<Batches.Read> all = Batches.readAll(p, 0, 1 << 20);
        assertThat(all).containsExactlyElementsOf(appended.values());

        assertThat(engine.runCompaction()).isEqualTo(3);

        List<Batches.Read> after = Batches.readAll(p, 0, 1 << 20);
        assertThat(after).containsExactlyElementsOf(expected(12, false));
        assertThat(after).extracting(Batches.Read::offset).containsExactly(2L, 3L, 5L, 8L, 10L, 11L, 12L, 13L, 14L);
        List<PartitionLog.SegmentInfo> now = p.segments();
        assertThat(now).extracting(PartitionLog.SegmentInfo::baseOffset).containsExactly(0L, 6L, 8L, 12L);
        assertThat(now.get(1).sizeInBytes()).isZero();
        for (int i = 0; i < 3; i++) {
            assertThat(now.get(i).sizeInBytes()).isLessThan(before.get(i).sizeInBytes());
        }
        assertThat(now.get(3)).isEqualTo(before.get(3)); // the active segment
        assertThat(p.logEndOffset()).isEqualTo(15);
        assertThat(p.logStartOffset()).isZero();
        // reads of a removed offset return the next surviving batch
        assertThat(Batches.records(p.read(6, 1).records())).extracting(Batches.Read::offset).containsExactly(8L);
        assertThat(Batches.records(p.read(0, 1).records()).get(0).offset()).isEqualTo(2L);
        // and appends go on after the active segment's data
        assertThat(put(p, "k9", "e15")).isEqualTo(15);

        // A second pass with nothing new leaves the same content.
        engine.runCompaction();
        assertThat(Batches.readAll(p, 0, 1 << 20)).containsExactlyElementsOf(expected(12, false));
    }

    @Test
    void compactedDataSurvivesReopen() {
        PartitionLog p = create(Map.of());
        for (int i = 0; i < 60; i++) {
            put(p, "k" + i % 7, "v" + i);
            if (i % 10 == 9) {
                p.roll();
            }
        }
        put(p, "k1", "last");
        engine.runCompaction();
        List<Batches.Read> compacted = Batches.readAll(p, 0, 300);
        assertThat(compacted).containsExactlyElementsOf(expected(60, false));

        PartitionLog again = reopen();
        assertThat(again.logEndOffset()).isEqualTo(61);
        assertThat(Batches.readAll(again, 0, 300)).isEqualTo(compacted);
        assertThat(put(again, "k2", "after")).isEqualTo(61);
        engine.runCompaction();
        assertThat(Batches.readAll(again, 0, 300)).containsExactlyElementsOf(expected(60, false));

        // and once more after a reopen that has to recover (unclean shutdown)
        engine.close();
        try {
            LogFiles.markUncleanShutdown(LogFiles.partitionDir(dir, "c", 0));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        engine = LogEngine.open(config(dir));
        assertThat(Batches.readAll(engine.partition("c", 0), 0, 300)).containsExactlyElementsOf(expected(60, false));
    }

    @Test
    void tombstonesAreKeptFirstAndRemovedAfterDeleteRetention() {
        PartitionLog p = create(Map.of(TopicConfig.DELETE_RETENTION_MS, "1000"));
        put(p, "k1", "v1", "k2", "v2");
        put(p, "k1", null);
        put(p, "k3", "v3");
        p.roll();
        put(p, "k4", "v4");

        engine.runCompaction(); // at T0: the tombstone's horizon is T0 + 1000
        List<Batches.Read> first = Batches.readAll(p, 0, 1 << 20);
        assertThat(first).containsExactlyElementsOf(expected(4, false));
        assertThat(first).extracting(Batches.Read::offset).containsExactly(1L, 2L, 3L, 4L);
        assertThat(first.get(1).value()).isNull();
        assertThat(first.get(1).key()).isEqualTo("k1");
        assertThat(first.get(1).timestamp()).isEqualTo(T0); // stamping the delete horizon keeps record timestamps

        clock.set(T0 + 500);
        engine.runCompaction();
        assertThat(Batches.readAll(p, 0, 1 << 20)).isEqualTo(first);

        // a restart does not reset the horizon
        p = reopen();
        clock.set(T0 + 999);
        engine.runCompaction();
        assertThat(Batches.readAll(p, 0, 1 << 20)).isEqualTo(first);

        clock.set(T0 + 1000);
        engine.runCompaction();
        List<Batches.Read> later = Batches.readAll(p, 0, 1 << 20);
        assertThat(later).containsExactlyElementsOf(expected(4, true));
        assertThat(later).extracting(Batches.Read::offset).containsExactly(1L, 3L, 4L);
    }

    @Test
    void tombstoneInTheActiveSegmentIsNotTouched() {
        PartitionLog p = create(Map.of(TopicConfig.DELETE_RETENTION_MS, "0"));
        put(p, "k1", "v1");
        p.roll();
        put(p, "k1", null);
        engine.runCompaction();
        clock.advance(10_000);
        engine.runCompaction();
        assertThat(Batches.readAll(p, 0, 1 << 20)).extracting(Batches.Read::offset).containsExactly(0L, 1L);
    }

    @Test
    void recordsWithoutKeyAreRejected() {
        PartitionLog p = create(Map.of());
        put(p, "k", "v");
        long size = p.sizeInBytes();
        assertThatThrownBy(() -> p.append(Batches.of(T0, "no key")))
                .isInstanceOf(LogException.InvalidBatchException.class).hasMessageContaining("needs a key");
        MemoryRecords mixed = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(T0, utf8("k"), utf8("v")),
                new SimpleRecord(T0, null, utf8("none")));
        assertThatThrownBy(() -> p.append(mixed)).isInstanceOf(LogException.InvalidBatchException.class)
                .hasMessageContaining("offset delta 1");
        assertThat(p.logEndOffset()).isEqualTo(1);
        assertThat(p.sizeInBytes()).isEqualTo(size);
    }

    @Test
    void minCompactionLagIsRespected() {
        PartitionLog p = create(Map.of(TopicConfig.MIN_COMPACTION_LAG_MS, "600000"));
        put(p, "k", "1");
        put(p, "k", "2");
        p.roll();
        clock.advance(300_000);
        put(p, "k", "3");
        put(p, "k", "4");
        p.roll();
        put(p, "k", "5");

        clock.set(T0 + 599_999);
        assertThat(engine.runCompaction()).isZero();
        assertThat(Batches.readAll(p, 0, 1 << 20)).hasSize(5);

        clock.set(T0 + 600_000); // the first segment is old enough, the second is not
        assertThat(engine.runCompaction()).isEqualTo(1);
        assertThat(Batches.readAll(p, 0, 1 << 20)).extracting(Batches.Read::offset).containsExactly(1L, 2L, 3L, 4L);

        clock.set(T0 + 900_000);
        assertThat(engine.runCompaction()).isEqualTo(2);
        assertThat(Batches.readAll(p, 0, 1 << 20)).extracting(Batches.Read::offset).containsExactly(3L, 4L);
    }

    @Test
    void appendsAndReadsGoOnWhileCompactionRuns() throws Exception {
        // Few, larger segments: every segment a pass rewrites costs a handful of fsyncs.
        PartitionLog p = create(Map.of(TopicConfig.SEGMENT_BYTES, "4000", TopicConfig.FLUSH_MESSAGES, "100000",
                TopicConfig.SEGMENT_INDEX_BYTES, "4096"));
        for (int i = 0; i < 300; i++) {
            put(p, "k" + i % 25, "pre" + i);
        }
        Map<Long, Batches.Read> concurrent = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicLong recordedEnd = new AtomicLong(p.logEndOffset()); // every offset below it is in `concurrent`
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong count = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long firstConcurrent = p.logEndOffset();
        Thread appender = new Thread(() -> {
            try {
                long expectedOffset = firstConcurrent;
                for (int i = 0; i < 1000 && (!stop.get() || i < 100); i++) {
                    String k = "k" + i % 30;
                    String v = "during" + i;
                    PartitionLog.AppendResult r = p.append(MemoryRecords.withRecords(Compression.NONE,
                            new SimpleRecord(T0, utf8(k), utf8(v))));
                    if (r.baseOffset() != expectedOffset) {
                        throw new AssertionError("offset " + r.baseOffset() + ", expected " + expectedOffset);
                    }
                    expectedOffset++;
                    concurrent.put(r.baseOffset(), new Batches.Read(r.baseOffset(), T0, k, v));
                    recordedEnd.set(r.baseOffset() + 1);
                    count.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "appender");
        Thread reader = new Thread(() -> {
            try {
                while (!stop.get()) {
                    long prev = -1;
                    List<Batches.Read> read = Batches.readAll(p, 0, 4096);
                    long limit = recordedEnd.get();
                    for (Batches.Read r : read) {
                        if (r.offset() <= prev) {
                            throw new AssertionError("offsets out of order at " + r.offset());
                        }
                        prev = r.offset();
                        if (r.offset() >= limit) {
                            break; // appended, but the appender has not noted it yet
                        }
                        Batches.Read want = r.offset() < firstConcurrent ? appended.get(r.offset()) : concurrent.get(r.offset());
                        if (!r.equals(want)) {
                            throw new AssertionError("read " + r + ", appended " + want);
                        }
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "reader");
        appender.start();
        reader.start();
        int cleaned = 0;
        long overlapping = 0;
        for (int pass = 0; pass < 20 && (pass < 2 || overlapping == 0); pass++) {
            long c0 = count.get();
            cleaned += engine.runCompaction();
            overlapping += count.get() - c0;
        }
        stop.set(true);
        appender.join(60_000);
        reader.join(60_000);
        if (failure.get() != null) {
            throw new AssertionError("appender or reader failed", failure.get());
        }
        assertThat(cleaned).isPositive();
        assertThat(overlapping).as("appends completed while compaction ran").isPositive();
        appended.putAll(concurrent);
        assertThat(p.logEndOffset()).isEqualTo(firstConcurrent + count.get());

        // What is left must be a subset of what was appended, and hold the latest record of every key.
        List<Batches.Read> left = Batches.readAll(p, 0, 4096);
        Map<String, Long> latest = new HashMap<>();
        appended.values().forEach(r -> latest.merge(r.key(), r.offset(), Math::max));
        for (Batches.Read r : left) {
            assertThat(r).isEqualTo(appended.get(r.offset()));
        }
        assertThat(left.stream().map(Batches.Read::offset).toList()).containsAll(latest.values());

        // A last pass with no appends running cleans every closed segment completely.
        engine.runCompaction();
        assertThat(Batches.readAll(p, 0, 4096)).containsExactlyElementsOf(expected(activeBase(p), false));
    }

    // ------------------------------------------------------------------------------ crash safety of the swap

    private PartitionLog threeSegments() {
        PartitionLog p = create(Map.of());
        for (int i = 0; i < 30; i++) {
            put(p, "k" + i % 15, "v" + i); // segment 10 keeps 15..19 (k0..k4), the rest of it is superseded
            if (i % 10 == 9) {
                p.roll();
            }
        }
        put(p, "k0", "active");
        return p;
    }

    private static final List<String> KINDS = List.of(".log", ".index", ".timeindex");

    @Test
    void leftoverCleanedFilesAreDeletedAtOpen() throws Exception {
        threeSegments();
        List<Batches.Read> before = Batches.readAll(engine.partition("c", 0), 0, 1 << 20);
        engine.close();
        Path pd = LogFiles.partitionDir(dir, "c", 0);
        for (String kind : KINDS) {
            Files.copy(LogFiles.segmentFile(pd, 10, kind), LogFiles.segmentFile(pd, 10, kind + ".cleaned"));
        }
        engine = LogEngine.open(config(dir));
        assertThat(LogFiles.names(pd)).noneMatch(n -> n.endsWith(".cleaned"));
        assertThat(Batches.readAll(engine.partition("c", 0), 0, 1 << 20)).isEqualTo(before);
    }

    @Test
    void unfinishedSwapWithoutLogFileIsDropped() throws Exception {
        threeSegments();
        List<Batches.Read> before = Batches.readAll(engine.partition("c", 0), 0, 1 << 20);
        engine.close();
        Path pd = LogFiles.partitionDir(dir, "c", 0);
        // index swap files were renamed, the log's was not: the swap never committed
        Files.write(LogFiles.segmentFile(pd, 10, ".index.swap"), new byte[16]);
        Files.write(LogFiles.segmentFile(pd, 10, ".timeindex.swap"), new byte[24]);
        engine = LogEngine.open(config(dir));
        assertThat(LogFiles.names(pd)).noneMatch(n -> n.endsWith(".swap"));
        PartitionLog p = engine.partition("c", 0);
        assertThat(Batches.readAll(p, 0, 1 << 20)).isEqualTo(before);
        assertThat(Batches.records(p.read(15, 1).records()).get(0).offset()).isEqualTo(15);
    }

    /**
     * Builds the compacted files of segment 10 in a copy of the data directory, and returns the partition directory of
     * that copy (closed) together with what it reads.
     */
    private List<Batches.Read> compactInCopy(Path copy) throws Exception {
        LogFiles.copyTree(dir, copy);
        Files.deleteIfExists(copy.resolve(".lock"));
        try (LogEngine other = LogEngine.open(config(copy))) {
            assertThat(other.runCompaction()).isEqualTo(3);
            return Batches.readAll(other.partition("c", 0), 0, 1 << 20);
        }
    }

    @Test
    void committedSwapReplacesTheOriginalAtOpen(@TempDir Path copy) throws Exception {
        threeSegments();
        engine.close();
        List<Batches.Read> compacted = compactInCopy(copy);
        Path pd = LogFiles.partitionDir(dir, "c", 0);
        Path cd = LogFiles.partitionDir(copy, "c", 0);
        for (String kind : KINDS) {
            Files.copy(LogFiles.segmentFile(cd, 10, kind), LogFiles.segmentFile(pd, 10, kind + ".swap"));
        }
        engine = LogEngine.open(config(dir));
        assertThat(LogFiles.names(pd)).noneMatch(n -> n.endsWith(".swap"));
        PartitionLog p = engine.partition("c", 0);
        List<Batches.Read> read = Batches.readAll(p, 0, 1 << 20);
        // segment 10 now reads as compacted, the others as they were
        assertThat(read.stream().filter(r -> r.offset() >= 10 && r.offset() < 20).toList())
                .isEqualTo(compacted.stream().filter(r -> r.offset() >= 10 && r.offset() < 20).toList());
        assertThat(read.stream().filter(r -> r.offset() < 10 || r.offset() >= 20).toList())
                .containsExactlyElementsOf(appended.values().stream().filter(r -> r.offset() < 10 || r.offset() >= 20).toList());
        assertThat(read.stream().filter(r -> r.offset() >= 10 && r.offset() < 20)).hasSizeLessThan(10).isNotEmpty();
        assertThat(Files.size(LogFiles.segmentFile(pd, 10, ".log"))).isEqualTo(Files.size(LogFiles.segmentFile(cd, 10, ".log")));
    }

    @Test
    void committedSwapAfterTheOriginalWasRenamedIsCompletedAtOpen(@TempDir Path copy) throws Exception {
        threeSegments();
        engine.close();
        List<Batches.Read> compacted = compactInCopy(copy);
        Path pd = LogFiles.partitionDir(dir, "c", 0);
        Path cd = LogFiles.partitionDir(copy, "c", 0);
        // crash after the old files became .deleted and the indexes were renamed into place, before the log file
        for (String kind : KINDS) {
            Files.move(LogFiles.segmentFile(pd, 10, kind), LogFiles.segmentFile(pd, 10, kind + ".deleted"));
        }
        Files.copy(LogFiles.segmentFile(cd, 10, ".index"), LogFiles.segmentFile(pd, 10, ".index"));
        Files.copy(LogFiles.segmentFile(cd, 10, ".timeindex"), LogFiles.segmentFile(pd, 10, ".timeindex"));
        Files.copy(LogFiles.segmentFile(cd, 10, ".log"), LogFiles.segmentFile(pd, 10, ".log.swap"));
        engine = LogEngine.open(config(dir));
        assertThat(LogFiles.names(pd)).noneMatch(n -> n.endsWith(".swap") || n.endsWith(".deleted"));
        List<Batches.Read> read = Batches.readAll(engine.partition("c", 0), 0, 1 << 20);
        assertThat(read.stream().filter(r -> r.offset() >= 10 && r.offset() < 20).toList())
                .isEqualTo(compacted.stream().filter(r -> r.offset() >= 10 && r.offset() < 20).toList());
        assertThat(read.get(read.size() - 1).value()).isEqualTo("active");
    }
}
