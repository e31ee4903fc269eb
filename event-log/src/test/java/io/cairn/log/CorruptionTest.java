package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.common.record.FileRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damage done to the files while the engine was stopped: flipped bits in stored batches, truncated or garbage index
 * files, torn writes at the end of the log. Corrupt data is reported (never served), derived data is rebuilt, torn
 * tails are cut, and the engine goes on working.
 */
class CorruptionTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final int BATCHES = 40;

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(T0);
    private LogEngine engine;
    private Path pd;
    /** Value of each offset; record {@code o} has timestamp {@code T0 + 10 * (o / 2)}. */
    private final List<String> values = new ArrayList<>();

    private LogEngineConfig config() {
        return LogEngineConfig.builder(dir).clock(clock).cleanerIntervalMs(0).build();
    }

    @BeforeEach
    void fill() {
        engine = LogEngine.open(config());
        engine.createTopic("x", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024", TopicConfig.INDEX_INTERVAL_BYTES, "100",
                TopicConfig.SEGMENT_INDEX_BYTES, "4096", TopicConfig.FLUSH_MESSAGES, "1000"));
        PartitionLog p = engine.partition("x", 0);
        for (int i = 0; i < BATCHES; i++) {
            String a = "value-" + (2 * i) + "-abcdefghij";
            String b = "value-" + (2 * i + 1) + "-abcdefghij";
            p.append(Batches.of(T0 + 10L * i, a, b));
            values.add(a);
            values.add(b);
        }
        assertThat(p.segments().size()).isGreaterThanOrEqualTo(4);
        engine.close();
        engine = null;
        pd = LogFiles.partitionDir(dir, "x", 0);
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private PartitionLog open() {
        engine = LogEngine.open(config());
        return engine.partition("x", 0);
    }

    private List<Long> segmentBases() {
        return LogFiles.names(pd).stream().filter(n -> n.endsWith(".log"))
                .map(n -> Long.parseLong(n.substring(0, n.length() - 4))).sorted().toList();
    }

    private void assertRecords(List<Batches.Read> read, long from) {
        for (int i = 0; i < read.size(); i++) {
            Batches.Read r = read.get(i);
            assertThat(r.offset()).isEqualTo(from + i);
            assertThat(r.value()).isEqualTo(values.get((int) r.offset()));
            assertThat(r.timestamp()).isEqualTo(T0 + 10 * (r.offset() / 2));
        }
    }

    /** Every offset and every timestamp can be found, and the whole log reads back. */
    private void assertLookupsWork(PartitionLog p) {
        for (long o = 0; o < values.size(); o++) {
            List<Batches.Read> first = Batches.records(p.read(o, 1).records());
            assertThat(first).as("read at %d", o).hasSize(2);
            assertThat(first.get(0).offset()).isEqualTo(o - o % 2);
            assertRecords(first, o - o % 2);
        }
        int batches = values.size() / 2;
        for (int i = 0; i < batches; i++) {
            FileRecords.TimestampAndOffset exact = p.offsetForTimestamp(T0 + 10L * i).orElseThrow();
            assertThat(exact.offset).isEqualTo(2L * i);
            assertThat(exact.timestamp).isEqualTo(T0 + 10L * i);
            FileRecords.TimestampAndOffset between = p.offsetForTimestamp(T0 + 10L * i - 5).orElseThrow();
            assertThat(between.offset).isEqualTo(2L * i);
        }
        assertThat(p.offsetForTimestamp(T0 + 10L * batches - 9)).isEmpty();
        List<Batches.Read> all = Batches.readAll(p, 0, 500);
        assertThat(all).hasSize(values.size());
        assertRecords(all, 0);
    }

    // ------------------------------------------------------------------------------------------- flipped bits

    @Test
    void corruptBatchInAClosedSegmentIsReportedAndTheRestStillWorks() throws Exception {
        long segment = segmentBases().get(1);
        Path file = LogFiles.segmentFile(pd, segment, ".log");
        List<LogFiles.BatchAt> batches = LogFiles.batches(file);
        assertThat(batches.size()).isGreaterThanOrEqualTo(5);
        LogFiles.BatchAt bad = batches.get(2);
        LogFiles.flipByte(file, bad.position() + 61 + 7); // in the records, which the CRC covers
        LogFiles.flipByte(file, bad.position() + bad.size() - 2);

        PartitionLog p = open();
        for (long o : new long[]{bad.baseOffset(), bad.lastOffset()}) {
            assertThatThrownBy(() -> p.read(o, 10_000))
                    .isInstanceOf(LogException.CorruptBatchException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("position " + bad.position());
        }
        // batches before it: a read starting there stops before the corrupt batch
        LogFiles.BatchAt before = batches.get(1);
        List<Batches.Read> upTo = Batches.records(p.read(batches.get(0).baseOffset(), 10_000).records());
        assertThat(upTo).extracting(Batches.Read::offset)
                .containsExactly(batches.get(0).baseOffset(), batches.get(0).lastOffset(), before.baseOffset(), before.lastOffset());
        assertRecords(upTo, batches.get(0).baseOffset());
        assertRecords(Batches.records(p.read(before.lastOffset(), 1).records()), before.baseOffset());
        // batches after it, in the same segment and the next ones
        LogFiles.BatchAt after = batches.get(3);
        List<Batches.Read> rest = Batches.records(p.read(after.baseOffset(), 10_000).records());
        assertThat(rest.get(0).offset()).isEqualTo(after.baseOffset());
        assertRecords(rest, after.baseOffset());
        assertThat(Batches.readAll(p, bad.lastOffset() + 1, 300)).hasSize((int) (values.size() - bad.lastOffset() - 1));
        // the whole-log read fails at the corrupt batch, with all before it delivered first
        assertThatThrownBy(() -> Batches.readAll(p, 0, 300)).isInstanceOf(LogException.CorruptBatchException.class);
        // and the engine goes on: appends, reads of them, a restart
        long end = p.logEndOffset();
        assertThat(p.append(Batches.of(T0, "new")).baseOffset()).isEqualTo(end);
        assertThat(Batches.records(p.read(end, 1000).records())).extracting(Batches.Read::value).containsExactly("new");
        engine.close();
        PartitionLog again = open();
        assertThat(again.logEndOffset()).isEqualTo(end + 1);
        assertThatThrownBy(() -> again.read(bad.baseOffset(), 10_000)).isInstanceOf(LogException.CorruptBatchException.class);
    }

    @Test
    void corruptBatchInTheActiveSegmentIsReportedToo() throws Exception {
        long segment = segmentBases().get(segmentBases().size() - 1);
        Path file = LogFiles.segmentFile(pd, segment, ".log");
        LogFiles.BatchAt bad = LogFiles.batches(file).get(0);
        LogFiles.flipByte(file, bad.position() + 70);
        PartitionLog p = open();
        assertThatThrownBy(() -> p.read(bad.baseOffset(), 10_000)).isInstanceOf(LogException.CorruptBatchException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("position " + bad.position());
        assertThat(p.append(Batches.of(T0, "new")).baseOffset()).isEqualTo(values.size());
    }

    // ---------------------------------------------------------------------------------------- damaged indexes

    private void damageAndCheckRebuilt(long segment, String suffix, byte[] content) throws Exception {
        Path index = LogFiles.segmentFile(pd, segment, suffix);
        long length = Files.size(index);
        assertThat(length).isGreaterThanOrEqualTo(3 * (suffix.equals(".index") ? 8 : 12));
        Files.write(index, content);

        PartitionLog p = open();
        boolean active = segment == segmentBases().get(segmentBases().size() - 1);
        if (!active) {
            assertThat(Files.size(index)).as("rebuilt " + index).isEqualTo(length);
        }
        assertLookupsWork(p);
        engine.close();
        engine = null;
        assertThat(Files.size(index)).as("rebuilt " + index).isEqualTo(length);
        assertLookupsWork(open());
    }

    private byte[] half(long segment, String suffix, boolean wholeEntries) throws Exception {
        byte[] b = Files.readAllBytes(LogFiles.segmentFile(pd, segment, suffix));
        int entry = suffix.equals(".index") ? 8 : 12;
        int n = b.length / 2;
        n = wholeEntries ? n - n % entry : (n % entry == 0 ? n + 3 : n);
        return java.util.Arrays.copyOf(b, n);
    }

    private static byte[] garbage(int length) {
        byte[] b = new byte[length];
        new Random(length).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {".index", ".timeindex"})
    void truncatedIndexOfAClosedSegmentIsRebuilt(String suffix) throws Exception {
        long segment = segmentBases().get(1);
        damageAndCheckRebuilt(segment, suffix, half(segment, suffix, true));
    }

    @ParameterizedTest
    @ValueSource(strings = {".index", ".timeindex"})
    void indexCutInTheMiddleOfAnEntryIsRebuilt(String suffix) throws Exception {
        long segment = segmentBases().get(2);
        damageAndCheckRebuilt(segment, suffix, half(segment, suffix, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {".index", ".timeindex"})
    void truncatedIndexOfTheActiveSegmentIsRebuilt(String suffix) throws Exception {
        List<Long> bases = segmentBases();
        long segment = bases.get(bases.size() - 1);
        // make sure the active segment has a few index entries
        PartitionLog p = open();
        for (int i = BATCHES; i < BATCHES + 5; i++) {
            String a = "value-" + (2 * i) + "-abcdefghij";
            String b = "value-" + (2 * i + 1) + "-abcdefghij";
            p.append(Batches.of(T0 + 10L * i, a, b));
            values.add(a);
            values.add(b);
        }
        assertThat(p.segments().get(p.segments().size() - 1).baseOffset()).isEqualTo(segment);
        engine.close();
        engine = null;
        damageAndCheckRebuilt(segment, suffix, half(segment, suffix, true));
    }

    @ParameterizedTest
    @ValueSource(ints = {80, 83, 96, 101})
    void garbageOffsetIndexIsRebuilt(int length) throws Exception {
        damageAndCheckRebuilt(segmentBases().get(1), ".index", garbage(length));
    }

    @ParameterizedTest
    @ValueSource(ints = {84, 89, 96, 100})
    void garbageTimeIndexIsRebuilt(int length) throws Exception {
        damageAndCheckRebuilt(segmentBases().get(1), ".timeindex", garbage(length));
    }

    @Test
    void missingIndexFilesAreRebuilt() throws Exception {
        long segment = segmentBases().get(1);
        long idx = Files.size(LogFiles.segmentFile(pd, segment, ".index"));
        long tidx = Files.size(LogFiles.segmentFile(pd, segment, ".timeindex"));
        Files.delete(LogFiles.segmentFile(pd, segment, ".index"));
        Files.delete(LogFiles.segmentFile(pd, segment, ".timeindex"));
        assertLookupsWork(open());
        assertThat(Files.size(LogFiles.segmentFile(pd, segment, ".index"))).isEqualTo(idx);
        assertThat(Files.size(LogFiles.segmentFile(pd, segment, ".timeindex"))).isEqualTo(tidx);
    }

    // --------------------------------------------------------------------------------------------- torn tails

    private Path activeLog() {
        List<Long> bases = segmentBases();
        return LogFiles.segmentFile(pd, bases.get(bases.size() - 1), ".log");
    }

    private void assertTornTailCut(byte[] tail, boolean markUnclean) throws Exception {
        Path log = activeLog();
        long size = Files.size(log);
        LogFiles.appendBytes(log, tail);
        if (markUnclean) {
            LogFiles.markUncleanShutdown(pd);
        }
        PartitionLog p = open();
        assertThat(Files.size(log)).isEqualTo(size);
        assertThat(p.logEndOffset()).isEqualTo(values.size());
        assertThat(p.append(Batches.of(T0 + 10L * BATCHES, "after-a", "after-b")).baseOffset()).isEqualTo(values.size());
        values.add("after-a");
        values.add("after-b");
        assertLookupsWork(p);
        engine.close();
        engine = null;
        PartitionLog again = open();
        assertThat(again.logEndOffset()).isEqualTo(values.size());
        assertLookupsWork(again);
    }

    @Test
    void randomGarbageAtTheEndIsTruncatedAfterACrash() throws Exception {
        assertTornTailCut(garbage(37), true);
    }

    @Test
    void halfABatchAtTheEndIsTruncatedAfterACrash() throws Exception {
        ByteBuffer b = Batches.of(T0, "torn write of a batch", "that never finished").buffer();
        byte[] bytes = new byte[b.remaining() / 2];
        b.duplicate().get(bytes);
        assertTornTailCut(bytes, true);
    }

    @Test
    void halfABatchWithItsRealOffsetIsTruncatedAfterACrash() throws Exception {
        // what a torn append really leaves: the header of the next batch, with the next offset, and part of its body
        ByteBuffer b = Batches.of(T0, "torn write of a batch", "that never finished").buffer();
        b.putLong(0, values.size());
        byte[] bytes = new byte[b.remaining() - 9];
        b.duplicate().get(bytes);
        assertTornTailCut(bytes, true);
    }

    @Test
    void garbageAfterACleanShutdownIsTruncatedToo() throws Exception {
        // the checkpoint says clean, but the file changed behind the engine's back
        assertTornTailCut(garbage(5), false);
    }

    @Test
    void aFewBytesAfterACrashAreTruncated() throws Exception {
        assertTornTailCut(new byte[]{0, 0, 0}, true);
    }
}
