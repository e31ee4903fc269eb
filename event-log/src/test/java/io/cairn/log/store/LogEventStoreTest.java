package io.cairn.log.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.LogException;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process event store on a real engine: conditional appends, reads, restarts, bad input. */
class LogEventStoreTest {
    @TempDir
    Path dir;
    private LogEngine engine;
    private LogEventStore store;

    @BeforeEach
    void open() {
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        store = LogEventStore.of(engine);
        store.ensureTopic("account", 4, false);
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private void reopen() {
        engine.close();
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        store = LogEventStore.of(engine);
    }

    static EventData event(String type, String payload) {
        return new EventData(type, 1, payload.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    static String payload(StoredEvent e) {
        return new String(e.payload(), StandardCharsets.UTF_8);
    }

    @Test
    void appendsAndReadsAnAggregateWithHeadersAndMetadata() {
        EventData opened = new EventData("AccountOpened", 2, "{\"owner\":\"ann\"}".getBytes(StandardCharsets.UTF_8),
                Map.of(EventHeaders.CORRELATION_KEY, "corr-1", EventHeaders.CAUSATION_KEY, "cmd-1", "user", "ann"));
        AppendResult first = store.append("account", "acc-1", EventStore.NEW_AGGREGATE, List.of(opened));
        AppendResult second = store.append("account", "acc-1", 0, List.of(event("Deposited", "10"), event("Deposited", "20")));
        store.append("account", "acc-2", EventStore.NEW_AGGREGATE, List.of(event("AccountOpened", "{}")));

        assertThat(first.lastSequence()).isZero();
        assertThat(second.lastSequence()).isEqualTo(2);
        assertThat(second.lastOffset() - second.firstOffset()).isEqualTo(1);
        int expectedPartition = BuiltInPartitioner.partitionForKey("acc-1".getBytes(StandardCharsets.UTF_8), 4);
        assertThat(first.partition()).as("Kafka's default partitioner").isEqualTo(expectedPartition);

        List<StoredEvent> events = store.read("account", "acc-1", 0);
        assertThat(events).extracting(StoredEvent::sequence).containsExactly(0L, 1L, 2L);
        assertThat(events).extracting(StoredEvent::eventType).containsExactly("AccountOpened", "Deposited", "Deposited");
        StoredEvent e0 = events.get(0);
        assertThat(e0.aggregateType()).isEqualTo("account");
        assertThat(e0.aggregateId()).isEqualTo("acc-1");
        assertThat(e0.revision()).isEqualTo(2);
        assertThat(payload(e0)).isEqualTo("{\"owner\":\"ann\"}");
        assertThat(e0.metadata()).isEqualTo(Map.of(EventHeaders.CORRELATION_KEY, "corr-1", EventHeaders.CAUSATION_KEY, "cmd-1", "user", "ann"));
        assertThat(e0.partition()).isEqualTo(expectedPartition);
        assertThat(e0.offset()).isEqualTo(first.firstOffset());
        assertThat(e0.timestamp()).isPositive();

        assertThat(store.read("account", "acc-1", 2)).extracting(StoredEvent::sequence).containsExactly(2L);
        assertThat(store.read("account", "acc-1", 3)).isEmpty();
        assertThat(store.read("account", "nobody", 0)).isEmpty();
        assertThat(store.readLast("account", "acc-1")).get().extracting(StoredEvent::sequence).isEqualTo(2L);
        assertThat(store.readLast("account", "nobody")).isEmpty();
        assertThat(store.lastSequence("account", "acc-1")).isEqualTo(2);
        assertThat(store.lastSequence("account", "nobody")).isEqualTo(EventStore.NEW_AGGREGATE);
        // durable before the append returned (the default flush policy fsyncs every append)
        assertThat(engine.partition("account", expectedPartition).durableOffset()).isGreaterThan(second.lastOffset());
    }

    @Test
    void fiftyConcurrentWritersOnOneAggregateNeverLoseOrDuplicateAnEvent() throws Exception {
        int writers = 50;
        int perWriter = 10;
        AtomicInteger conflicts = new AtomicInteger();
        ConcurrentLinkedQueue<AppendResult> results = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perWriter; ) {
                        long last = store.lastSequence("account", "hot");
                        try {
                            results.add(store.append("account", "hot", last, List.of(event("Tick", writer + "-" + i))));
                            i++;
                        } catch (ConcurrencyConflictException c) {
                            assertThat(c.expectedSequence()).isEqualTo(last);
                            assertThat(c.actualSequence()).isGreaterThan(last);
                            assertThat(c.getMessage()).startsWith("concurrency conflict");
                            conflicts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        int total = writers * perWriter;
        // every successful append got its own sequence: a missed conflict would give two appends the same one
        Set<Long> sequences = new HashSet<>();
        for (AppendResult r : results) {
            assertThat(sequences.add(r.lastSequence())).as("sequence %d given twice", r.lastSequence()).isTrue();
        }
        assertThat(sequences).hasSize(total);
        List<StoredEvent> events = store.read("account", "hot", 0);
        assertThat(events).hasSize(total);
        Set<String> payloads = new HashSet<>();
        for (int i = 0; i < total; i++) {
            assertThat(events.get(i).sequence()).isEqualTo(i);
            payloads.add(payload(events.get(i)));
        }
        assertThat(payloads).as("each writer's events exactly once").hasSize(total);
        for (int w = 0; w < writers; w++) {
            for (int i = 0; i < perWriter; i++) {
                assertThat(payloads).contains(w + "-" + i);
            }
        }
        // the partition holds exactly these records: a conflicting append wrote nothing
        int p = events.get(0).partition();
        assertThat(store.endOffset("account", p)).isEqualTo(total);
        System.out.println("50 writers: " + conflicts.get() + " conflicts detected for " + total + " appends");
    }

    @Test
    void readsAfterRestartAndGoesOn() {
        for (int i = 0; i < 30; i++) {
            store.append("account", "a" + (i % 3), i / 3 - 1, List.of(event("E", "v" + i)));
        }
        reopen();
        for (int a = 0; a < 3; a++) {
            List<StoredEvent> events = store.read("account", "a" + a, 0);
            assertThat(events).extracting(StoredEvent::sequence).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            assertThat(payload(events.get(9))).isEqualTo("v" + (27 + a));
        }
        assertThatThrownBy(() -> store.append("account", "a0", 8, List.of(event("E", "late"))))
                .isInstanceOf(ConcurrencyConflictException.class);
        assertThat(store.append("account", "a0", 9, List.of(event("E", "next"))).lastSequence()).isEqualTo(10);
        assertThat(store.read("account", "a0", 10)).extracting(LogEventStoreTest::payload).containsExactly("next");
    }

    @Test
    void compressedBatchesFromKafkaClientsAndPlainOnesReadAlike() {
        int p = BuiltInPartitioner.partitionForKey("z1".getBytes(StandardCharsets.UTF_8), 4);
        store.append("account", "z1", EventStore.NEW_AGGREGATE, List.of(event("Plain", "p0")));
        org.apache.kafka.common.header.Header[] headers = {
                new org.apache.kafka.common.header.internals.RecordHeader(EventHeaders.SEQUENCE, "1".getBytes(StandardCharsets.UTF_8)),
                new org.apache.kafka.common.header.internals.RecordHeader(EventHeaders.EVENT_TYPE, "Zipped".getBytes(StandardCharsets.UTF_8)),
                new org.apache.kafka.common.header.internals.RecordHeader(EventHeaders.CORRELATION_ID, "c-9".getBytes(StandardCharsets.UTF_8))};
        org.apache.kafka.common.header.Header[] second = {
                new org.apache.kafka.common.header.internals.RecordHeader(EventHeaders.SEQUENCE, "2".getBytes(StandardCharsets.UTF_8))};
        engine.partition("account", p).append(org.apache.kafka.common.record.MemoryRecords.withRecords(
                org.apache.kafka.common.compress.Compression.gzip().build(),
                new org.apache.kafka.common.record.SimpleRecord(5L, "z1".getBytes(StandardCharsets.UTF_8), "g1".getBytes(StandardCharsets.UTF_8), headers),
                new org.apache.kafka.common.record.SimpleRecord(6L, "other".getBytes(StandardCharsets.UTF_8), "x".getBytes(StandardCharsets.UTF_8)),
                new org.apache.kafka.common.record.SimpleRecord(7L, "z1".getBytes(StandardCharsets.UTF_8), "g2".getBytes(StandardCharsets.UTF_8), second)));
        store.append("account", "z1", 2, List.of(event("Plain", "p3")));
        List<StoredEvent> events = store.read("account", "z1", 0);
        assertThat(events).extracting(LogEventStoreTest::payload).containsExactly("p0", "g1", "g2", "p3");
        assertThat(events).extracting(StoredEvent::sequence).containsExactly(0L, 1L, 2L, 3L);
        assertThat(events.get(1).eventType()).isEqualTo("Zipped");
        assertThat(events.get(1).metadata()).isEqualTo(Map.of(EventHeaders.CORRELATION_KEY, "c-9"));
        assertThat(events.get(1).timestamp()).isEqualTo(5L);
        assertThat(events.get(2).timestamp()).isEqualTo(7L);
        assertThat(events.get(2).offset()).isEqualTo(events.get(1).offset() + 2);
        assertThat(events.get(1).aggregateType()).isEqualTo("account");
        assertThat(store.read("account", "z1", 2)).extracting(LogEventStoreTest::payload).containsExactly("g2", "p3");
    }

    @Test
    void newAggregateAndAnySemantics() {
        store.append("account", "x", EventStore.ANY, List.of(event("E", "first")));
        assertThatThrownBy(() -> store.append("account", "x", EventStore.NEW_AGGREGATE, List.of(event("E", "again"))))
                .isInstanceOf(ConcurrencyConflictException.class)
                .hasMessageContaining("expected last sequence -1, actual 0");
        assertThat(store.append("account", "x", EventStore.ANY, List.of(event("E", "a"), event("E", "b"))).lastSequence()).isEqualTo(2);
        assertThat(store.append("account", "y", EventStore.NEW_AGGREGATE, List.of(event("E", "y0"))).lastSequence()).isZero();
        assertThatThrownBy(() -> store.append("account", "z", 0, List.of(event("E", "z"))))
                .isInstanceOf(ConcurrencyConflictException.class);
        assertThat(store.read("account", "x", 0)).extracting(LogEventStoreTest::payload).containsExactly("first", "a", "b");
        assertThat(store.read("account", "z", 0)).isEmpty();
    }

    @Test
    void badInputIsRejectedAndNothingIsAppended() {
        long before = totalEnd();
        EventData ok = event("E", "x");
        assertThatThrownBy(() -> store.append("account", "a", EventStore.ANY, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one event");
        assertThatThrownBy(() -> store.append("account", " ", EventStore.ANY, List.of(ok)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aggregate id");
        assertThatThrownBy(() -> store.append("account", "a".repeat(2000), EventStore.ANY, List.of(ok)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aggregate id");
        assertThatThrownBy(() -> store.append("account", "a", EventStore.ANY, List.of(ok, event(" ", "x"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("event type of event 1");
        assertThatThrownBy(() -> store.append("account", "a", EventStore.ANY,
                List.of(new EventData("E", 0, new byte[0], Map.of("bad\nkey", "v")))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metadata key");
        assertThatThrownBy(() -> store.append("account", "a", -3, List.of(ok)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected sequence");
        assertThatThrownBy(() -> store.append("no-such-topic", "a", EventStore.ANY, List.of(ok)))
                .isInstanceOf(LogException.UnknownTopicException.class);
        assertThatThrownBy(() -> store.append("account", "a", EventStore.ANY,
                List.of(new EventData("E", 0, new byte[2 * 1024 * 1024], Map.of()))))
                .isInstanceOf(LogException.RecordTooLargeException.class);
        assertThatThrownBy(() -> store.ensureTopic("bad name!", 1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.appendAsync("account", "a", EventStore.ANY, List.of())).isCompletedExceptionally();
        assertThat(totalEnd()).isEqualTo(before);
        assertThat(store.lastSequence("account", "a")).isEqualTo(EventStore.NEW_AGGREGATE);
    }

    private long totalEnd() {
        long sum = 0;
        for (int p = 0; p < store.partitionCount("account"); p++) {
            sum += store.endOffset("account", p);
        }
        return sum;
    }

    @Test
    void asyncAppendsCompleteDurableAndDetectConflicts() {
        List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            futures.add(store.appendAsync("account", "async-" + (i % 20), i / 20 - 1, List.of(event("E", "v" + i))));
        }
        for (CompletableFuture<AppendResult> f : futures) {
            AppendResult r = f.join();
            assertThat(engine.partition("account", r.partition()).durableOffset()).isGreaterThan(r.lastOffset());
        }
        CompletableFuture<AppendResult> stale = store.appendAsync("account", "async-0", 3, List.of(event("E", "stale")));
        assertThat(stale).isCompletedExceptionally();
        assertThatThrownBy(stale::join).hasCauseInstanceOf(ConcurrencyConflictException.class);
        for (int a = 0; a < 20; a++) {
            assertThat(store.read("account", "async-" + a, 0)).hasSize(10);
        }
    }

    @Test
    void aTopicDeletedAndCreatedAgainStartsWithAnEmptyIndex() {
        store.append("account", "a", EventStore.NEW_AGGREGATE, List.of(event("E", "old")));
        engine.deleteTopic("account");
        store.ensureTopic("account", 4, false);
        assertThat(store.lastSequence("account", "a")).isEqualTo(EventStore.NEW_AGGREGATE);
        store.append("account", "a", EventStore.NEW_AGGREGATE, List.of(event("E", "new")));
        assertThat(store.read("account", "a", 0)).extracting(LogEventStoreTest::payload).containsExactly("new");
        reopen();
        assertThat(store.read("account", "a", 0)).extracting(LogEventStoreTest::payload).containsExactly("new");
    }

    @Test
    void readPartitionServesTrackingReaders() {
        store.append("account", "r1", EventStore.NEW_AGGREGATE, List.of(event("E", "1"), event("E", "2")));
        int p = store.read("account", "r1", 0).get(0).partition();
        List<StoredEvent> all = store.readPartition("account", p, 0, 100, 0);
        assertThat(all).extracting(LogEventStoreTest::payload).containsExactly("1", "2");
        assertThat(store.readPartition("account", p, 1, 100, 0)).extracting(LogEventStoreTest::payload).containsExactly("2");
        assertThat(store.readPartition("account", p, 0, 1, 0)).hasSize(1);
        long end = store.endOffset("account", p);
        assertThat(end).isEqualTo(2);
        CompletableFuture<List<StoredEvent>> waiting = CompletableFuture.supplyAsync(
                () -> store.readPartition("account", p, end, 10, 30_000));
        // an aggregate in the same partition
        String other = null;
        for (int i = 0; other == null; i++) {
            if (BuiltInPartitioner.partitionForKey(("k" + i).getBytes(StandardCharsets.UTF_8), 4) == p) {
                other = "k" + i;
            }
        }
        store.append("account", other, EventStore.NEW_AGGREGATE, List.of(event("E", "3")));
        assertThat(waiting.join()).extracting(LogEventStoreTest::payload).containsExactly("3");
    }
}
