package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flush policies: {@code flush.messages} with group commit, and {@code flush.ms} run by the engine's scheduler. */
class GroupCommitTest {
    @TempDir
    Path dir;
    private LogEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private record Appended(int thread, int index, PartitionLog.AppendResult result) {
    }

    @Test
    void concurrentAppendersShareFsyncsAndAllGetDurableResults() throws Exception {
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        engine.createTopic("g", 1, Map.of(TopicConfig.FLUSH_MESSAGES, "1"));
        PartitionLog p = engine.partition("g", 0);
        int threads = 8;
        int perThread = 40;
        long flushesBefore = p.flushCount();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Appended>>> futures = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    List<Appended> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        // batches of 1 to 3 records
                        String[] values = new String[1 + (thread + i) % 3];
                        for (int v = 0; v < values.length; v++) {
                            values[v] = "t" + thread + "-" + i + "-" + v;
                        }
                        mine.add(new Appended(thread, i, p.append(Batches.of(System.currentTimeMillis(), values))));
                    }
                    return mine;
                }));
            }
            start.countDown();
            List<Appended> all = new ArrayList<>();
            for (Future<List<Appended>> f : futures) {
                all.addAll(f.get());
            }
            int appends = threads * perThread;
            assertThat(all).hasSize(appends);
            assertThat(all).allSatisfy(a -> assertThat(a.result().durable()).as("durable").isTrue());

            // offsets: the appends tile [0, end) without gap or overlap
            all.sort(Comparator.comparingLong(a -> a.result().baseOffset()));
            long next = 0;
            for (Appended a : all) {
                assertThat(a.result().baseOffset()).isEqualTo(next);
                assertThat(a.result().lastOffset() - a.result().baseOffset() + 1).isEqualTo(a.result().recordCount())
                        .isEqualTo(1 + (a.thread() + a.index()) % 3);
                next = a.result().lastOffset() + 1;
            }
            assertThat(p.logEndOffset()).isEqualTo(next);
            assertThat(p.durableOffset()).isEqualTo(next);

            // each append's records are where its result says
            List<Batches.Read> read = Batches.readAll(p, 0, 1 << 16);
            assertThat(read).hasSize((int) next);
            for (Appended a : all) {
                for (long o = a.result().baseOffset(); o <= a.result().lastOffset(); o++) {
                    assertThat(read.get((int) o).value())
                            .isEqualTo("t" + a.thread() + "-" + a.index() + "-" + (o - a.result().baseOffset()));
                }
            }

            long flushes = p.flushCount() - flushesBefore;
            assertThat(flushes).as("flush passes for %d appends", appends).isPositive().isLessThan(appends);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void flushMessagesCountsRecords() {
        engine = LogEngine.open(LogEngineConfig.builder(dir).clock(new ManualClock(0)).cleanerIntervalMs(0).build());
        engine.createTopic("n", 1, Map.of(TopicConfig.FLUSH_MESSAGES, "3"));
        PartitionLog p = engine.partition("n", 0);
        long f0 = p.flushCount();
        assertThat(p.append(Batches.of(0, "a")).durable()).isFalse();
        assertThat(p.append(Batches.of(0, "b")).durable()).isFalse();
        assertThat(p.durableOffset()).isZero();
        assertThat(p.flushCount()).isEqualTo(f0);
        assertThat(p.append(Batches.of(0, "c")).durable()).isTrue();
        assertThat(p.durableOffset()).isEqualTo(3);
        assertThat(p.flushCount()).isEqualTo(f0 + 1);
        assertThat(p.append(Batches.of(0, "d", "e", "f", "g")).durable()).isTrue();
        assertThat(p.durableOffset()).isEqualTo(7);
        assertThat(p.append(Batches.of(0, "h")).durable()).isFalse();
        p.flush();
        assertThat(p.durableOffset()).isEqualTo(8);
    }

    @Test
    void flushMsMakesDataDurableWithoutAnAppendAskingForIt() {
        // real clock: the engine's scheduler checks flush.ms deadlines every 10 ms
        engine = LogEngine.open(LogEngineConfig.builder(dir).flushCheckIntervalMs(10).cleanerIntervalMs(0).build());
        engine.createTopic("timed", 1, Map.of(TopicConfig.FLUSH_MESSAGES, "1000000", TopicConfig.FLUSH_MS, "100"));
        engine.createTopic("never", 1, Map.of(TopicConfig.FLUSH_MESSAGES, "1000000"));
        PartitionLog timed = engine.partition("timed", 0);
        PartitionLog never = engine.partition("never", 0);

        PartitionLog.AppendResult n = never.append(Batches.of(System.currentTimeMillis(), "x", "y"));
        assertThat(n.durable()).isFalse();
        timed.append(Batches.of(System.currentTimeMillis(), "a", "b"));
        timed.append(Batches.of(System.currentTimeMillis(), "c"));

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> timed.durableOffset() == 3);
        // the other topic, with no flush.ms, was left alone all that time
        assertThat(never.durableOffset()).isZero();

        // and again for later data
        timed.append(Batches.of(System.currentTimeMillis(), "d"));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> timed.durableOffset() == 4);
        assertThat(never.durableOffset()).isZero();
    }
}
