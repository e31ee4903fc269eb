package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Guarded appends (the basis of the event store's conditional append), async appends, and interrupted reads. */
class AppendGuardTest {
    @TempDir
    Path dir;
    private LogEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private PartitionLog open(Map<String, String> configs) {
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        engine.createTopic("t", 1, configs);
        return engine.partition("t", 0);
    }

    @Test
    void aVetoWritesNothingAndTheGuardSeesTheOffsets() {
        PartitionLog p = open(Map.of());
        p.append(Batches.of(0, "a", "b"));
        List<String> seen = new ArrayList<>();
        PartitionLog.AppendGuard veto = new PartitionLog.AppendGuard() {
            @Override
            public void check(long baseOffset) {
                seen.add("check " + baseOffset);
                throw new IllegalStateException("no");
            }

            @Override
            public void appended(long baseOffset, long lastOffset) {
                seen.add("appended");
            }
        };
        assertThatThrownBy(() -> p.append(Batches.of(0, "c"), veto)).isInstanceOf(IllegalStateException.class).hasMessage("no");
        assertThat(p.appendAsync(Batches.of(0, "c"), veto)).isCompletedExceptionally();
        assertThat(p.logEndOffset()).isEqualTo(2);
        assertThat(seen).containsExactly("check 2", "check 2");

        PartitionLog.AppendGuard pass = new PartitionLog.AppendGuard() {
            @Override
            public void check(long baseOffset) {
                seen.add("check " + baseOffset);
            }

            @Override
            public void appended(long baseOffset, long lastOffset) {
                seen.add("appended " + baseOffset + ".." + lastOffset);
            }
        };
        PartitionLog.AppendResult r = p.append(Batches.of(0, "c", "d"), pass);
        assertThat(r.baseOffset()).isEqualTo(2);
        assertThat(seen).endsWith("check 2", "appended 2..3");
        assertThat(Batches.readAll(p, 0, 1 << 16)).extracting(Batches.Read::value).containsExactly("a", "b", "c", "d");
    }

    @Test
    void asyncAppendsFromOneThreadShareFsyncsAndCompleteDurable() {
        PartitionLog p = open(Map.of(TopicConfig.FLUSH_MESSAGES, "1"));
        long flushesBefore = p.flushCount();
        int appends = 300;
        List<CompletableFuture<PartitionLog.AppendResult>> futures = new ArrayList<>();
        for (int i = 0; i < appends; i++) {
            futures.add(p.appendAsync(Batches.of(0, "v" + i), PartitionLog.AppendGuard.NONE));
        }
        for (int i = 0; i < appends; i++) {
            PartitionLog.AppendResult r = futures.get(i).join();
            assertThat(r.baseOffset()).isEqualTo(i);
            assertThat(r.durable()).isTrue();
            assertThat(p.durableOffset()).isGreaterThan(r.lastOffset());
        }
        // one thread issued them all without waiting: a thread blocked per append would have made that 300 fsyncs
        assertThat(p.flushCount() - flushesBefore).isPositive().isLessThan(appends);
    }

    @Test
    void concurrentAppendAndAwaitCallersShareFsyncsAndReturnDurable() throws Exception {
        PartitionLog p = open(Map.of(TopicConfig.FLUSH_MESSAGES, "1"));
        long flushesBefore = p.flushCount();
        int threads = 8;
        int perThread = 40;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        List<java.util.concurrent.Future<List<PartitionLog.AppendResult>>> futures = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<PartitionLog.AppendResult> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        PartitionLog.AppendResult r = p.appendAndAwait(Batches.of(0, thread + "-" + i), PartitionLog.AppendGuard.NONE);
                        assertThat(p.durableOffset()).isGreaterThan(r.lastOffset());
                        mine.add(r);
                    }
                    return mine;
                }));
            }
            java.util.Set<Long> offsets = new java.util.HashSet<>();
            for (var f : futures) {
                for (PartitionLog.AppendResult r : f.get()) {
                    assertThat(r.durable()).isTrue();
                    assertThat(offsets.add(r.baseOffset())).isTrue();
                }
            }
            assertThat(offsets).hasSize(threads * perThread);
        } finally {
            pool.shutdownNow();
        }
        assertThat(p.flushCount() - flushesBefore).isPositive().isLessThan(threads * perThread);
        // alone, the caller fsyncs inline
        long before = p.flushCount();
        p.appendAndAwait(Batches.of(0, "alone"), PartitionLog.AppendGuard.NONE);
        assertThat(p.flushCount()).isEqualTo(before + 1);
    }

    @Test
    void syncAsyncAndPlainAppendersMixedAllReturnDurableAndNoneIsStranded() throws Exception {
        // Three ways to wait for the fsync share one group commit: appendAndAwait (fsyncs inline or parks until the
        // covering fsync wakes it), appendAsync (background flush) and append (waits on the flush state). Any waiter
        // left without a flush to wake it would hang here (each thread's work is bounded by the join timeout).
        PartitionLog p = open(Map.of(TopicConfig.FLUSH_MESSAGES, "1"));
        int threads = 6;
        int perThread = 60;
        long flushesBefore = p.flushCount();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        List<CompletableFuture<List<PartitionLog.AppendResult>>> all = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                all.add(CompletableFuture.supplyAsync(() -> {
                    List<PartitionLog.AppendResult> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        var batch = Batches.of(0, thread + "-" + i);
                        PartitionLog.AppendResult r = switch ((thread + i) % 3) {
                            case 0 -> p.appendAndAwait(batch, PartitionLog.AppendGuard.NONE);
                            case 1 -> p.appendAsync(batch, PartitionLog.AppendGuard.NONE).join();
                            default -> p.append(batch);
                        };
                        assertThat(p.durableOffset()).isGreaterThan(r.lastOffset());
                        mine.add(r);
                    }
                    return mine;
                }, pool));
            }
            java.util.Set<Long> offsets = new java.util.HashSet<>();
            for (var f : all) {
                for (PartitionLog.AppendResult r : f.get(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    assertThat(r.durable()).isTrue();
                    assertThat(offsets.add(r.baseOffset())).isTrue();
                }
            }
            assertThat(offsets).hasSize(threads * perThread);
            assertThat(p.durableOffset()).isEqualTo(p.logEndOffset());
            assertThat(p.flushCount() - flushesBefore).isPositive().isLessThanOrEqualTo(threads * perThread);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void asyncAppendsWithoutFlushPolicyCompleteAtOnceAndCloseFlushesThem() {
        PartitionLog p = open(Map.of(TopicConfig.FLUSH_MESSAGES, "1000000"));
        CompletableFuture<PartitionLog.AppendResult> f = p.appendAsync(Batches.of(0, "x"), PartitionLog.AppendGuard.NONE);
        assertThat(f).isCompleted();
        assertThat(f.join().durable()).isFalse();
    }

    @Test
    void anInterruptedReaderGetsAClearErrorAndTheChannelIsReopenedForEveryoneElse() {
        PartitionLog p = open(Map.of());
        for (int i = 0; i < 50; i++) {
            p.append(Batches.of(0, "v" + i));
        }
        p.roll();
        p.append(Batches.of(0, "v50"));
        Thread.currentThread().interrupt();
        try {
            // Before the fix: the interrupt closes the segment's channel, the read retried recursively on the
            // ClosedChannelException and ended in a StackOverflowError.
            assertThatThrownBy(() -> p.read(0, 1 << 20, true, PartitionLog.ReadLimit.HIGH_WATERMARK))
                    .isInstanceOf(LogException.LogIoException.class)
                    .hasMessageContaining("interrupted");
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept").isTrue();
        } finally {
            Thread.interrupted();
        }
        // readers and appenders that were not interrupted go on: the channel was opened again
        assertThat(Batches.readAll(p, 0, 1 << 20)).hasSize(51);
        p.append(Batches.of(0, "v51"));
        assertThat(Batches.readAll(p, 0, 1 << 20)).extracting(Batches.Read::value).endsWith("v50", "v51");
        assertThat(p.durableOffset()).isEqualTo(52);
    }

    @Test
    void anInterruptedAppenderFailsAndTheNextAppendSucceedsOnAConsistentFile() {
        PartitionLog p = open(Map.of());
        p.append(Batches.of(0, "a"));
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> p.append(Batches.of(0, "lost"))).isInstanceOf(LogException.class);
        } finally {
            Thread.interrupted();
        }
        assertThat(p.logEndOffset()).isEqualTo(1);
        p.append(Batches.of(0, "b"));
        assertThat(Batches.readAll(p, 0, 1 << 20)).extracting(Batches.Read::value).containsExactly("a", "b");
        engine.close();
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        assertThat(Batches.readAll(engine.partition("t", 0), 0, 1 << 20)).extracting(Batches.Read::value).containsExactly("a", "b");
    }
}
