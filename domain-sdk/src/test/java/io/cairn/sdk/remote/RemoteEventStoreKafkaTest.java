package io.cairn.sdk.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.LogException;
import io.cairn.log.kafka.KafkaBroker;
import io.cairn.log.kafka.KafkaBrokerConfig;
import io.cairn.log.store.AppendResult;
import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.LogEventStore;
import io.cairn.log.store.StoredEvent;
import org.apache.kafka.common.InvalidRecordException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka half of {@link RemoteEventStore} (appends, partition reads, topics) against the real Kafka listener on a
 * log engine in this JVM, checked through the in-process store; the REST half needs the server (webapp's
 * RemoteEventStoreIT). Plus the mapping of the errors the server reports.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemoteEventStoreKafkaTest {
    @TempDir
    Path dir;
    private LogEngine engine;
    private KafkaBroker broker;
    private LogEventStore local;
    private RemoteEventStore remote;

    @BeforeEach
    void open() {
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        broker = new KafkaBroker(engine, KafkaBrokerConfig.builder().port(0).workerThreads(4).ioThreads(1).build()).start();
        local = LogEventStore.of(engine);
        // No REST server: this test uses only what goes over Kafka.
        remote = RemoteEventStore.builder(URI.create("http://127.0.0.1:9/api/"), broker.bootstrapServers())
                .timeout(Duration.ofSeconds(20)).producers(4).build();
    }

    @AfterEach
    void close() {
        remote.close();
        broker.close();
        engine.close();
    }

    private static EventData event(String type, String json) {
        return new EventData(type, 1, json.getBytes(StandardCharsets.UTF_8), Map.of("correlationId", "c-1", "tenant", "t1"));
    }

    @Test
    void ensureTopicCreatesAggregateTopicsAsInProcess() {
        remote.ensureTopic("accounts", 3, false);
        remote.ensureTopic("accounts", 5, false); // exists: no-op
        remote.ensureTopic("snapshots", 2, true);
        assertThat(engine.requireTopic("accounts").partitionCount()).isEqualTo(3);
        assertThat(engine.requireTopic("accounts").config().values())
                .containsEntry("cleanup.policy", "delete").containsEntry("retention.ms", "-1").containsEntry("retention.bytes", "-1");
        assertThat(engine.requireTopic("snapshots").config().values()).containsEntry("cleanup.policy", "compact");
        assertThat(remote.partitionCount("accounts")).isEqualTo(3);
        assertThatThrownBy(() -> remote.ensureTopic("bad name!", 1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> remote.ensureTopic("x", 0, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void appendsAtomicallyAndDetectsConflicts() {
        remote.ensureTopic("accounts", 3, false);
        AppendResult first = remote.append("accounts", "acc-1", EventStore.NEW_AGGREGATE,
                List.of(event("Opened", "{\"owner\":\"ann\"}"), event("Deposited", "{\"amount\": 1.50}")));
        assertThat(first.lastSequence()).isEqualTo(1);
        assertThat(first.lastOffset() - first.firstOffset()).isEqualTo(1);
        AppendResult second = remote.append("accounts", "acc-1", 1, List.of(event("Withdrawn", "{}")));
        assertThat(second.lastSequence()).isEqualTo(2);

        List<StoredEvent> stored = local.read("accounts", "acc-1", 0);
        assertThat(stored).extracting(StoredEvent::sequence).containsExactly(0L, 1L, 2L);
        assertThat(stored).extracting(StoredEvent::eventType).containsExactly("Opened", "Deposited", "Withdrawn");
        assertThat(new String(stored.get(1).payload(), StandardCharsets.UTF_8)).isEqualTo("{\"amount\": 1.50}");
        assertThat(stored.get(0).metadata()).isEqualTo(Map.of("correlationId", "c-1", "tenant", "t1"));
        assertThat(stored.get(0).revision()).isEqualTo(1);
        assertThat(stored.get(0).aggregateType()).isEqualTo("accounts");

        long end = remote.endOffset("accounts", first.partition());
        assertThatThrownBy(() -> remote.append("accounts", "acc-1", 1, List.of(event("Late", "{}"), event("Later", "{}"))))
                .isInstanceOfSatisfying(ConcurrencyConflictException.class, c -> {
                    assertThat(c.aggregateId()).isEqualTo("acc-1");
                    assertThat(c.expectedSequence()).isEqualTo(1);
                    assertThat(c.actualSequence()).isEqualTo(2);
                });
        assertThatThrownBy(() -> remote.append("accounts", "acc-1", EventStore.NEW_AGGREGATE, List.of(event("Opened", "{}"))))
                .isInstanceOf(ConcurrencyConflictException.class);
        assertThat(remote.endOffset("accounts", first.partition())).isEqualTo(end);
        assertThat(local.lastSequence("accounts", "acc-1")).isEqualTo(2);
        // the producer that saw the conflicts still appends
        assertThat(remote.append("accounts", "acc-1", 2, List.of(event("Closed", "{}"))).lastSequence()).isEqualTo(3);
        CompletableFuture<AppendResult> async = remote.appendAsync("accounts", "acc-1", 3, List.of(event("Reopened", "{}")));
        assertThat(async.join().lastSequence()).isEqualTo(4);
        assertThatThrownBy(() -> remote.appendAsync("accounts", "acc-1", 3, List.of(event("Reopened", "{}"))).join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(ConcurrencyConflictException.class);
    }

    @Test
    void readsPartitionsAsTheInProcessStoreDoes() {
        remote.ensureTopic("orders", 2, false);
        for (int i = 0; i < 20; i++) {
            remote.append("orders", "o-" + (i % 5), i / 5 - 1, List.of(event("E" + i, "{\"i\":" + i + "}")));
        }
        for (int p = 0; p < 2; p++) {
            long end = remote.endOffset("orders", p);
            assertThat(end).isEqualTo(local.endOffset("orders", p));
            List<StoredEvent> expected = local.readPartition("orders", p, 0, 1000, 0);
            List<StoredEvent> read = new ArrayList<>();
            long next = 0;
            while (next < end) { // in steps of 3, as a tracking processor would
                List<StoredEvent> batch = remote.readPartition("orders", p, next, 3, 0);
                assertThat(batch).isNotEmpty().hasSizeLessThanOrEqualTo(3);
                read.addAll(batch);
                next = batch.get(batch.size() - 1).offset() + 1;
            }
            assertThat(read).hasSameSizeAs(expected);
            for (int i = 0; i < read.size(); i++) {
                StoredEvent a = read.get(i);
                StoredEvent b = expected.get(i);
                assertThat(a).usingRecursiveComparison().ignoringFields("payload").isEqualTo(b);
                assertThat(a.payload()).isEqualTo(b.payload());
            }
            // caught up: waits, then returns nothing; from beyond the end: nothing either
            long t0 = System.nanoTime();
            assertThat(remote.readPartition("orders", p, end, 10, 300)).isEmpty();
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
            assertThat(remote.readPartition("orders", p, end + 100, 10, 0)).isEmpty();
        }
        // a waiting reader sees an append made meanwhile
        int p = local.append("orders", "o-0", EventStore.ANY, List.of(event("Probe", "{}"))).partition();
        long end = remote.endOffset("orders", p);
        CompletableFuture<List<StoredEvent>> waiting = CompletableFuture.supplyAsync(() -> remote.readPartition("orders", p, end, 10, 10_000));
        remote.append("orders", "o-0", local.lastSequence("orders", "o-0"), List.of(event("Late", "{}")));
        assertThat(waiting.join()).extracting(StoredEvent::eventType).containsExactly("Late");
    }

    @Test
    void sixteenRacingWritersNeitherLoseNorDuplicateEvents() throws Exception {
        remote.ensureTopic("race", 2, false);
        int threads = 16;
        int perThread = 15;
        AtomicInteger conflicts = new AtomicInteger();
        List<String> written = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int writer = t;
            done.add(pool.submit(() -> {
                start.await();
                for (int n = 0; n < perThread; ) {
                    long last = local.lastSequence("race", "hot");
                    String id = writer + "-" + n;
                    try {
                        remote.append("race", "hot", last, List.of(event("E", "\"" + id + "\"")));
                        written.add(id);
                        n++;
                    } catch (ConcurrencyConflictException c) {
                        assertThat(c.actualSequence()).isGreaterThan(last);
                        conflicts.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(100, TimeUnit.SECONDS);
        }
        pool.shutdown();
        List<StoredEvent> events = local.read("race", "hot", 0);
        assertThat(events).hasSize(threads * perThread);
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).sequence()).isEqualTo(i);
        }
        List<String> stored = events.stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8).replace("\"", "")).toList();
        assertThat(stored).containsExactlyInAnyOrderElementsOf(written).doesNotHaveDuplicates();
        assertThat(conflicts.get()).isPositive();
    }

    @Test
    void badInputFailsClearlyAndSendsNothing() {
        remote.ensureTopic("accounts", 1, false);
        assertThatThrownBy(() -> remote.append("nope", "a", -1, List.of(event("E", "{}"))))
                .isInstanceOf(LogException.UnknownTopicException.class).hasMessageContaining("nope");
        assertThatThrownBy(() -> remote.append("accounts", " ", -1, List.of(event("E", "{}"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aggregate id");
        assertThatThrownBy(() -> remote.append("accounts", "x".repeat(2000), -1, List.of(event("E", "{}"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes long");
        assertThatThrownBy(() -> remote.append("accounts", "a", -1, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> remote.append("accounts", "a", -3, List.of(event("E", "{}"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> remote.append("accounts", "a", -1, List.of(new EventData("E", 0, new byte[2 << 20], null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAppendBytes");
        assertThatThrownBy(() -> remote.readPartition("accounts", 1, 0, 10, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> remote.partitionCount("nope")).isInstanceOf(LogException.UnknownTopicException.class);
        assertThat(local.endOffset("accounts", 0)).isZero();
        // REST is down here: a clear error, naming the server
        assertThatThrownBy(() -> remote.read("accounts", "a", 0)).isInstanceOf(LogException.class)
                .hasMessageContaining("Cannot reach the Cairn server");
    }

    @Test
    void serverErrorsMapToTheStoresExceptions() {
        RuntimeException conflict = RemoteEventStore.appendError(new InvalidRecordException(
                "concurrency conflict on aggregate a-1 in topic t: expected last sequence 4, actual 7"), "t", "a-1", 4);
        assertThat(conflict).isInstanceOfSatisfying(ConcurrencyConflictException.class, c -> {
            assertThat(c.expectedSequence()).isEqualTo(4);
            assertThat(c.actualSequence()).isEqualTo(7);
            assertThat(c.getMessage()).isEqualTo("concurrency conflict on aggregate a-1 in topic t: expected last sequence 4, actual 7");
        });
        assertThat(RemoteEventStore.appendError(new InvalidRecordException("A conditional append must be one record batch"), "t", "a", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one record batch").hasMessageContaining("nothing was appended");
        assertThat(RemoteEventStore.appendError(new org.apache.kafka.common.errors.TimeoutException("slow"), "t", "a", 0))
                .isInstanceOf(LogException.class).hasMessageContaining("may or may not have been written");
        assertThat(RemoteEventStore.appendError(new org.apache.kafka.common.errors.UnknownTopicOrPartitionException("x"), "t", "a", 0))
                .isInstanceOf(LogException.UnknownTopicException.class);

        ObjectMapper json = new ObjectMapper();
        assertThat(RemoteEventStore.httpError(400, json.createObjectNode().put("detail", "bad id"), "Loading"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("Loading failed: bad id");
        assertThat(RemoteEventStore.httpError(404, json.createObjectNode().put("detail", "Unknown topic t"), "Loading"))
                .isInstanceOf(LogException.UnknownTopicException.class);
        assertThat(RemoteEventStore.httpError(503, json.createObjectNode(), "Loading"))
                .isInstanceOf(LogException.class).hasMessageContaining("HTTP 503");
    }
}
