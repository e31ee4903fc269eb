package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * Random sequences of appends, rolls, clock moves, retention runs, DeleteRecords, reads, timestamp searches and
 * restarts (clean, or a crash simulated by copying the files of the running engine) against a model of the log: a
 * list of records and the log start offset. Segments are tiny so that rolls, index entries and full indexes happen all
 * the time.
 *
 * <p>The engine's files live on {@code /dev/shm} when there is one: fsync costs nothing there and this test checks the
 * logic, not the disk (durability has its own tests).
 */
class LogPropertyTest {
    private static final long T0 = 1_700_000_000_000L;

    // ------------------------------------------------------------------------------------------ what is generated

    record Cfg(int segmentBytes, int indexIntervalBytes, int segmentIndexBytes, long segmentMs, int flushMessages,
               int fileDeleteDelayMs) {
    }

    record GenRec(String key, String value, int tsDelta) {
    }

    sealed interface Action permits Append, Roll, Advance, Retention, DeleteRecords, Reopen, ReadAt, TimeQuery {
    }

    /** One append call holding one to three batches. */
    record Append(List<List<GenRec>> batches) implements Action {
    }

    record Roll() implements Action {
    }

    record Advance(int ms) implements Action {
    }

    record Retention(long retentionMs, long retentionBytes, boolean viaEngine) implements Action {
    }

    /** Offset = permille of the high watermark (above 1000: past it, refused). */
    record DeleteRecords(int permille) implements Action {
    }

    record Reopen(boolean crash) implements Action {
    }

    /** Offset = log start + permille of the readable range; negative: below the log start, above 1000: past the end. */
    record ReadAt(int permille, int maxBytes, boolean minOneBatch) implements Action {
    }

    record TimeQuery(int delta) implements Action {
    }

    @Provide
    Arbitrary<Cfg> configs() {
        return Combinators.combine(
                Arbitraries.integers().between(300, 2000),
                Arbitraries.integers().between(0, 300),
                Arbitraries.of(64, 100, 256, 1024, 10 * 1024),
                Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(7L * 24 * 3600 * 1000)),
                        Tuple.of(1, Arbitraries.longs().between(5_000, 60_000))),
                Arbitraries.of(1, 1000),
                Arbitraries.of(0, 60_000)).as(Cfg::new);
    }

    private static Arbitrary<GenRec> record() {
        return Combinators.combine(
                Arbitraries.strings().alpha().numeric().ofMaxLength(6).injectNull(0.4),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(80).injectNull(0.03),
                Arbitraries.integers().between(-10_000, 10_000)).as(GenRec::new);
    }

    @Provide
    Arbitrary<List<Action>> scenarios() {
        Arbitrary<List<GenRec>> batch = record().list().ofMinSize(1).ofMaxSize(5);
        Arbitrary<Action> append = batch.list().ofMinSize(1).ofMaxSize(3).map(Append::new);
        Arbitrary<Long> retentionMs = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(-1L)),
                Tuple.of(4, Arbitraries.longs().between(0, 30_000)));
        Arbitrary<Long> retentionBytes = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(-1L)),
                Tuple.of(3, Arbitraries.longs().between(0, 6_000)));
        Arbitrary<Action> action = Arbitraries.frequencyOf(
                Tuple.of(40, append),
                Tuple.of(5, Arbitraries.just(new Roll())),
                Tuple.of(6, Arbitraries.integers().between(0, 20_000).map(Advance::new)),
                Tuple.of(6, Combinators.combine(retentionMs, retentionBytes, Arbitraries.of(true, false)).as(Retention::new)),
                Tuple.of(4, Arbitraries.integers().between(0, 1100).map(DeleteRecords::new)),
                Tuple.of(4, Arbitraries.of(true, false).map(Reopen::new)),
                Tuple.of(14, Combinators.combine(Arbitraries.integers().between(-50, 1050),
                        Arbitraries.integers().between(1, 3000), Arbitraries.of(true, true, false)).as(ReadAt::new)),
                Tuple.of(6, Arbitraries.integers().between(-12_000, 12_000).map(TimeQuery::new)));
        return action.list().ofMinSize(5).ofMaxSize(40).withSizeDistribution(RandomDistribution.uniform());
    }

    // ---------------------------------------------------------------------------------------------- the property

    @Property(tries = 150, edgeCases = EdgeCasesMode.NONE)
    void theLogReadsBackWhatWasAppended(@ForAll("configs") Cfg cfg, @ForAll("scenarios") List<Action> actions) throws Exception {
        Path root = Files.createTempDirectory(baseTempDir(), "log-property");
        Run run = new Run(cfg, root);
        try {
            for (Action a : actions) {
                run.apply(a);
            }
            run.checkEverything();
            Statistics.label("segments").collect(run.p.segments().size() >= 3 ? "3 or more" : "fewer");
            Statistics.label("log start > 0").collect(run.logStart > 0);
            run.apply(new Reopen(false));
            run.apply(new Reopen(true));
            // the generators must keep producing the cases that matter, or this property proves little
            Statistics.label("segments").coverage(c -> c.check("3 or more").percentage(pct -> pct >= 25));
            Statistics.label("log start > 0").coverage(c -> c.check(true).percentage(pct -> pct >= 20));
            Statistics.label("retention deleted").coverage(c -> c.check(true).percentage(pct -> pct >= 10));
            Statistics.label("read").coverage(c -> c.check("first batch too big", "closed").count(n -> n >= 10));
        } finally {
            run.close();
            FileUtil.deleteRecursively(root);
        }
    }

    private static Path baseTempDir() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            return shm;
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    // ------------------------------------------------------------------------------------------------ the model

    record Rec(long timestamp, String key, String value) {
    }

    /** A batch as appended: first and last offset, size in bytes. */
    record BatchInfo(long base, long last, int size) {
    }

    private static final class Run {
        final Cfg cfg;
        final Path root;
        final ManualClock clock = new ManualClock(T0);
        final List<Rec> model = new ArrayList<>();
        final List<BatchInfo> batches = new ArrayList<>();
        long logStart;
        long retentionMs = 7L * 24 * 3600 * 1000;
        long retentionBytes = -1;
        int generation;
        Path dataDir;
        LogEngine engine;
        PartitionLog p;

        Run(Cfg cfg, Path root) {
            this.cfg = cfg;
            this.root = root;
            dataDir = root.resolve("d0");
            engine = LogEngine.open(config());
            engine.createTopic("p", 1, Map.of(
                    TopicConfig.SEGMENT_BYTES, Integer.toString(cfg.segmentBytes()),
                    TopicConfig.INDEX_INTERVAL_BYTES, Integer.toString(cfg.indexIntervalBytes()),
                    TopicConfig.SEGMENT_INDEX_BYTES, Integer.toString(cfg.segmentIndexBytes()),
                    TopicConfig.SEGMENT_MS, Long.toString(cfg.segmentMs()),
                    TopicConfig.FLUSH_MESSAGES, Integer.toString(cfg.flushMessages()),
                    TopicConfig.FILE_DELETE_DELAY_MS, Integer.toString(cfg.fileDeleteDelayMs())));
            p = engine.partition("p", 0);
        }

        LogEngineConfig config() {
            return LogEngineConfig.builder(dataDir).clock(clock).cleanerIntervalMs(0).recoveryThreads(1).build();
        }

        long end() {
            return model.size();
        }

        void close() {
            if (engine != null) {
                engine.close();
            }
        }

        void apply(Action a) throws IOException {
            if (a instanceof Append x) {
                append(x);
            } else if (a instanceof Roll) {
                roll();
            } else if (a instanceof Advance x) {
                clock.advance(x.ms());
            } else if (a instanceof Retention x) {
                retention(x);
            } else if (a instanceof DeleteRecords x) {
                deleteRecords(x);
            } else if (a instanceof Reopen x) {
                reopen(x.crash());
            } else if (a instanceof ReadAt x) {
                readAt(x);
            } else if (a instanceof TimeQuery x) {
                timeQuery(clock.millis() + x.delta());
            }
            assertThat(p.logEndOffset()).as("log end offset").isEqualTo(end());
            assertThat(p.highWatermark()).isEqualTo(end());
            assertThat(p.logStartOffset()).as("log start offset").isEqualTo(logStart);
        }

        // -------------------------------------------------------------------------------------------- actions

        void append(Append a) {
            List<ByteBuffer> buffers = new ArrayList<>();
            List<Rec> recs = new ArrayList<>();
            List<Integer> counts = new ArrayList<>();
            for (List<GenRec> batch : a.batches()) {
                SimpleRecord[] rs = new SimpleRecord[batch.size()];
                for (int i = 0; i < rs.length; i++) {
                    GenRec g = batch.get(i);
                    long ts = clock.millis() + g.tsDelta();
                    rs[i] = new SimpleRecord(ts, bytes(g.key()), bytes(g.value()));
                    recs.add(new Rec(ts, g.key(), g.value()));
                }
                buffers.add(MemoryRecords.withRecords(Compression.NONE, rs).buffer());
                counts.add(rs.length);
            }
            int total = buffers.stream().mapToInt(ByteBuffer::remaining).sum();
            ByteBuffer all = ByteBuffer.allocate(total);
            buffers.forEach(b -> all.put(b.duplicate()));
            all.flip();
            MemoryRecords records = MemoryRecords.readableRecords(all);
            long sizeBefore = p.sizeInBytes();
            if (total > cfg.segmentBytes()) {
                assertThatThrownBy(() -> p.append(records)).isInstanceOf(LogException.RecordTooLargeException.class);
                assertThat(p.sizeInBytes()).isEqualTo(sizeBefore);
                return;
            }
            PartitionLog.AppendResult r = p.append(records);
            assertThat(r.baseOffset()).isEqualTo(end());
            assertThat(r.recordCount()).isEqualTo(recs.size());
            assertThat(r.lastOffset()).isEqualTo(end() + recs.size() - 1);
            if (cfg.flushMessages() == 1) {
                assertThat(r.durable()).isTrue();
                assertThat(p.durableOffset()).isGreaterThan(r.lastOffset());
            }
            long next = end();
            for (int i = 0; i < buffers.size(); i++) {
                batches.add(new BatchInfo(next, next + counts.get(i) - 1, buffers.get(i).remaining()));
                next += counts.get(i);
            }
            model.addAll(recs);
            checkSegments();
        }

        void roll() {
            long activeBase = last(p.segments()).baseOffset();
            boolean empty = last(p.segments()).sizeInBytes() == 0;
            p.roll();
            assertThat(last(p.segments()).baseOffset()).isEqualTo(empty ? activeBase : end());
            checkSegments();
        }

        void retention(Retention r) {
            retentionMs = r.retentionMs();
            retentionBytes = r.retentionBytes();
            engine.alterTopicConfig("p", Map.of(TopicConfig.RETENTION_MS, Long.toString(retentionMs),
                    TopicConfig.RETENTION_BYTES, Long.toString(retentionBytes)));
            List<PartitionLog.SegmentInfo> before = p.segments();
            long now = clock.millis();
            int deleted = r.viaEngine() ? engine.runRetention() : p.applyRetention(now);
            checkRetention(before, logStart, now, deleted);
            Statistics.label("retention deleted").collect(deleted > 0);
            checkEverything();
        }

        void deleteRecords(DeleteRecords d) {
            long o = d.permille() <= 1000 ? d.permille() * end() / 1000 : end() + d.permille() - 1000;
            if (o > end()) {
                List<PartitionLog.SegmentInfo> before = p.segments();
                assertThatThrownBy(() -> p.deleteRecordsBefore(o)).isInstanceOf(LogException.OffsetOutOfRangeException.class);
                assertThat(p.segments()).isEqualTo(before);
                return;
            }
            List<PartitionLog.SegmentInfo> before = p.segments();
            long requested = Math.max(logStart, o);
            long returned = p.deleteRecordsBefore(o);
            assertThat(returned).isEqualTo(p.logStartOffset());
            checkRetention(before, requested, clock.millis(), -1);
            checkEverything();
        }

        void reopen(boolean crash) throws IOException {
            if (crash) {
                // what the disk would hold if the process died now
                Path copy = root.resolve("d" + ++generation);
                LogFiles.copyTree(dataDir, copy);
                engine.close();
                dataDir = copy;
            } else {
                engine.close();
            }
            engine = null;
            engine = LogEngine.open(config());
            p = engine.partition("p", 0);
            assertThat(p.logEndOffset()).as("log end offset after reopen").isEqualTo(end());
            assertThat(p.logStartOffset()).as("log start offset after reopen").isEqualTo(logStart);
            checkEverything();
        }

        void readAt(ReadAt r) {
            long start = logStart;
            long end = end();
            long o = r.permille() < 0 ? start + r.permille()
                    : r.permille() > 1000 ? end + r.permille() - 1000
                    : start + r.permille() * (end - start) / 1000;
            if (o < start || o > end) {
                assertThatThrownBy(() -> p.read(o, r.maxBytes(), r.minOneBatch(), PartitionLog.ReadLimit.HIGH_WATERMARK))
                        .as("read at %d outside [%d, %d]", o, start, end)
                        .isInstanceOf(LogException.OffsetOutOfRangeException.class);
                return;
            }
            PartitionLog.ReadResult res = p.read(o, r.maxBytes(), r.minOneBatch(), PartitionLog.ReadLimit.HIGH_WATERMARK);
            assertThat(res.highWatermark()).isEqualTo(end);
            assertThat(res.logEndOffset()).isEqualTo(end);
            assertThat(res.logStartOffset()).isEqualTo(start);
            List<RecordBatch> got = new ArrayList<>();
            res.records().batches().forEach(got::add);
            if (o == end) {
                assertThat(got).as("read at the log end").isEmpty();
                return;
            }
            BatchInfo holder = batchHolding(o);
            Statistics.label("read").collect(!r.minOneBatch() && holder.size() > r.maxBytes() ? "first batch too big" : "fits",
                    holder.base() < last(p.segments()).baseOffset() ? "closed" : "active");
            if (!r.minOneBatch() && holder.size() > r.maxBytes()) {
                assertThat(got).as("read at %d of at most %d bytes, whose batch has %d bytes, without minOneBatch", o,
                        r.maxBytes(), holder.size()).isEmpty();
                return;
            }
            assertThat(got).as("read at %d", o).isNotEmpty();
            int total = 0;
            int index = batches.indexOf(holder);
            for (RecordBatch b : got) {
                BatchInfo want = batches.get(index++);
                assertThat(b.baseOffset()).as("batch base offset").isEqualTo(want.base());
                assertThat(b.lastOffset()).isEqualTo(want.last());
                assertThat(b.sizeInBytes()).isEqualTo(want.size());
                total += b.sizeInBytes();
                for (Record rec : b) {
                    assertThat(read(rec)).as("record %d", rec.offset()).isEqualTo(model.get((int) rec.offset()));
                }
            }
            if (got.size() > 1 || !r.minOneBatch()) {
                assertThat(total).as("bytes read with maxBytes=%d", r.maxBytes()).isLessThanOrEqualTo(r.maxBytes());
            }
        }

        void timeQuery(long t) {
            Optional<FileRecords.TimestampAndOffset> got = p.offsetForTimestamp(t);
            for (long o = logStart; o < end(); o++) {
                if (model.get((int) o).timestamp() >= t) {
                    assertThat(got).as("offset for timestamp %d", t).isPresent();
                    assertThat(got.get().offset).as("offset for timestamp %d", t).isEqualTo(o);
                    assertThat(got.get().timestamp).isEqualTo(model.get((int) o).timestamp());
                    return;
                }
            }
            assertThat(got).as("offset for timestamp %d", t).isEmpty();
        }

        // ----------------------------------------------------------------------------------------------- checks

        /**
         * Retention as documented: the active segment is rolled first if it holds data and its newest record is older
         * than retention.ms; then closed segments are deleted oldest first while each is entirely below the log start
         * offset, older than retention.ms, or not needed to keep retention.bytes; the log start offset moves to the
         * first remaining segment if that is past it.
         */
        void checkRetention(List<PartitionLog.SegmentInfo> before, long start, long now, int deletedReported) {
            List<PartitionLog.SegmentInfo> closed = new ArrayList<>(before.subList(0, before.size() - 1));
            PartitionLog.SegmentInfo active = last(before);
            long activeBase = active.baseOffset();
            if (retentionMs >= 0 && active.sizeInBytes() > 0 && active.largestTimestamp() >= 0
                    && active.largestTimestamp() < now - retentionMs) {
                closed.add(active);
                activeBase = end();
            }
            long total = before.stream().mapToLong(PartitionLog.SegmentInfo::sizeInBytes).sum();
            int deleted = 0;
            for (PartitionLog.SegmentInfo s : closed) {
                boolean belowStart = s.nextOffset() <= start;
                boolean expired = retentionMs >= 0 && s.largestTimestamp() < now - retentionMs;
                boolean oversize = retentionBytes >= 0 && total - s.sizeInBytes() >= retentionBytes;
                if (!(belowStart || expired || oversize)) {
                    break;
                }
                deleted++;
                total -= s.sizeInBytes();
            }
            List<Long> expectedBases = new ArrayList<>();
            closed.subList(deleted, closed.size()).forEach(s -> expectedBases.add(s.baseOffset()));
            expectedBases.add(activeBase);
            List<PartitionLog.SegmentInfo> after = p.segments();
            assertThat(after.stream().map(PartitionLog.SegmentInfo::baseOffset).toList())
                    .as("segments after retention at %d (retention.ms=%d, retention.bytes=%d, log start %d) of %s",
                            now, retentionMs, retentionBytes, start, before)
                    .isEqualTo(expectedBases);
            if (deletedReported >= 0) {
                assertThat(deletedReported).isEqualTo(deleted);
            }
            long expectedStart = Math.max(start, after.get(0).baseOffset());
            assertThat(p.logStartOffset()).as("log start offset after retention").isEqualTo(expectedStart)
                    .isGreaterThanOrEqualTo(logStart);
            logStart = expectedStart;
        }

        void checkSegments() {
            List<PartitionLog.SegmentInfo> segs = p.segments();
            assertThat(segs).isNotEmpty();
            assertThat(last(segs).active()).isTrue();
            assertThat(segs.get(0).baseOffset()).isLessThanOrEqualTo(logStart);
            long size = 0;
            for (int i = 0; i < segs.size(); i++) {
                PartitionLog.SegmentInfo s = segs.get(i);
                long next = i + 1 < segs.size() ? segs.get(i + 1).baseOffset() : end();
                assertThat(s.nextOffset()).as("next offset of segment %d in %s", s.baseOffset(), segs).isEqualTo(next);
                assertThat(s.sizeInBytes()).as("size of segment %d", s.baseOffset()).isLessThanOrEqualTo(cfg.segmentBytes());
                if (i < segs.size() - 1) {
                    assertThat(s.sizeInBytes()).as("closed segment %d is empty", s.baseOffset()).isPositive();
                }
                if (s.sizeInBytes() > 0) {
                    long largest = Long.MIN_VALUE;
                    for (long o = s.baseOffset(); o < next; o++) {
                        largest = Math.max(largest, model.get((int) o).timestamp());
                    }
                    assertThat(s.largestTimestamp()).as("largest timestamp of segment %d", s.baseOffset()).isEqualTo(largest);
                }
                size += s.sizeInBytes();
            }
            assertThat(p.sizeInBytes()).isEqualTo(size);
        }

        void checkEverything() {
            checkSegments();
            List<Batches.Read> all = Batches.readAll(p, logStart, 1 + (int) (logStart % 700));
            assertThat(all).hasSize((int) (end() - logStart));
            for (Batches.Read r : all) {
                assertThat(new Rec(r.timestamp(), r.key(), r.value())).as("record %d", r.offset())
                        .isEqualTo(model.get((int) r.offset()));
            }
            for (int i = 0; i < all.size(); i++) {
                assertThat(all.get(i).offset()).isEqualTo(logStart + i);
            }
        }

        BatchInfo batchHolding(long offset) {
            int lo = 0;
            int hi = batches.size() - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (batches.get(mid).base() <= offset) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            BatchInfo b = batches.get(lo);
            assertThat(offset).isBetween(b.base(), b.last());
            return b;
        }
    }

    private static <T> T last(List<T> list) {
        return list.get(list.size() - 1);
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static Rec read(Record r) {
        return new Rec(r.timestamp(), text(r.key()), text(r.value()));
    }

    private static String text(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

}
