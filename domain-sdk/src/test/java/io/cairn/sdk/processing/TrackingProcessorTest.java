package io.cairn.sdk.processing;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.LogEventStore;
import io.cairn.sdk.EventMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Tracking processors on the real log engine: tokens survive a restart, reset replays, failures are retried. */
class TrackingProcessorTest {
    private static final String TOPIC = "orders";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private LogEngine engine;
    private EventStore store;

    /** Records every event it sees, with the thread that handled it. */
    @ProcessingGroup(value = "order-log", topics = TOPIC)
    static final class OrderLog {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final AtomicInteger resets = new AtomicInteger();
        final AtomicInteger failuresLeft = new AtomicInteger();

        @EventHandler
        void on(String payload, EventMessage<?> event) {
            if (payload.contains("poison") && failuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("not yet");
            }
            seen.add(event.aggregateId() + ":" + payload);
            threads.add(Thread.currentThread().getName());
        }

        @ResetHandler
        void reset() {
            seen.clear();
            resets.incrementAndGet();
        }
    }

    @BeforeEach
    void open() {
        openEngine();
        store.ensureTopic(TOPIC, 2, false);
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private void openEngine() {
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        store = LogEventStore.of(engine);
    }

    private TrackingProcessor processor(OrderLog handlers) {
        EventDecoder decoder = (topic, e) -> e.eventType().equals("Text")
                ? new EventMessage<>(topic, e.aggregateType(), e.aggregateId(), e.sequence(), e.eventType(), 0,
                        new String(e.payload(), StandardCharsets.UTF_8), e.metadata(), e.timestamp(), e.partition(),
                        e.offset())
                : null;
        return new TrackingProcessor("order-log", List.of(TOPIC), store, new LogTokenStore(store), decoder,
                new EventHandlerBeans(List.of(handlers), type -> null), Thread::new, 100);
    }

    private void append(String aggregateId, String... texts) {
        List<EventData> events = java.util.Arrays.stream(texts)
                .map(t -> new EventData("Text", 0, t.getBytes(StandardCharsets.UTF_8), Map.of())).toList();
        store.append(TOPIC, aggregateId, EventStore.ANY, events);
    }

    @Test
    void handlesEveryEventInAggregateOrderOneThreadPerPartition() {
        for (int i = 0; i < 20; i++) {
            append("order-" + i, "placed", "paid");
        }
        store.append(TOPIC, "other", EventStore.ANY, List.of(new EventData("Unknown", 0, new byte[]{1}, Map.of())));
        OrderLog handlers = new OrderLog();
        try (TrackingProcessor p = processor(handlers)) {
            p.start();
            await().atMost(WAIT).until(p::caughtUp);
            assertThat(handlers.seen).hasSize(40);
            for (int i = 0; i < 20; i++) {
                assertThat(handlers.seen).containsSubsequence("order-" + i + ":placed", "order-" + i + ":paid");
            }
            assertThat(handlers.threads).containsExactlyInAnyOrder(
                    "cairn-processor-order-log-orders-0", "cairn-processor-order-log-orders-1");
        }
    }

    @Test
    void resumesFromItsTokenAfterAnEngineRestartAndReplaysFromTheStartOnReset() throws Exception {
        append("a", "one", "two");
        append("b", "three");
        OrderLog first = new OrderLog();
        try (TrackingProcessor p = processor(first)) {
            p.start();
            await().atMost(WAIT).until(() -> first.seen.size() == 3);
        }
        engine.close();
        openEngine();
        append("a", "four");
        append("c", "five");

        OrderLog second = new OrderLog();
        try (TrackingProcessor p = processor(second)) {
            p.start();
            await().atMost(WAIT).until(p::caughtUp);
            assertThat(second.seen).containsExactlyInAnyOrder("a:four", "c:five");   // nothing handled twice

            p.reset();

            await().atMost(WAIT).until(() -> second.seen.size() == 5 && p.caughtUp());
            assertThat(second.resets).hasValue(1);
            assertThat(second.seen).containsExactlyInAnyOrder("a:one", "a:two", "b:three", "a:four", "c:five");
            assertThat(p.state()).isEqualTo(TrackingProcessor.State.RUNNING);
        }
    }

    @Test
    void aFailingHandlerGetsTheSameEventAgainAndLaterEventsWait() {
        append("a", "poison", "after");
        OrderLog handlers = new OrderLog();
        handlers.failuresLeft.set(2);
        try (TrackingProcessor p = processor(handlers)) {
            p.start();
            await().atMost(WAIT).until(() -> handlers.seen.size() == 2);
            assertThat(handlers.seen).containsExactly("a:poison", "a:after");
            assertThat(handlers.failuresLeft.get()).isNegative();
            await().atMost(WAIT).until(p::caughtUp);
            assertThat(p.status()).allSatisfy(s -> assertThat(s.error()).isNull());
        }
    }

    @Test
    void aStoppedProcessorStoresItsPositionAndHandlesNothingUntilStartedAgain() {
        append("a", "one");
        OrderLog handlers = new OrderLog();
        try (TrackingProcessor p = processor(handlers)) {
            p.start();
            await().atMost(WAIT).until(() -> handlers.seen.size() == 1);
            p.stop();
            append("a", "two");
            assertThat(p.state()).isEqualTo(TrackingProcessor.State.STOPPED);
            assertThat(handlers.seen).containsExactly("a:one");

            p.start();
            await().atMost(WAIT).until(() -> handlers.seen.size() == 2);
            assertThat(handlers.seen).containsExactly("a:one", "a:two");
        }
        assertThat(new LogTokenStore(store).load("order-log", TOPIC, 0).orElse(0)
                + new LogTokenStore(store).load("order-log", TOPIC, 1).orElse(0)).isEqualTo(2);
    }

    @Test
    void aTokenStoreThatFailsForAWhileDelaysButLosesNothing() {
        append("a", "one", "two");
        LogTokenStore real = new LogTokenStore(store);
        AtomicInteger storeFailures = new AtomicInteger(3);
        TokenStore flaky = new TokenStore() {
            public java.util.OptionalLong load(String processor, String topic, int partition) {
                return real.load(processor, topic, partition);
            }

            public void store(String processor, String topic, int partition, long nextOffset) {
                if (storeFailures.getAndDecrement() > 0) {
                    throw new IllegalStateException("token topic unavailable");
                }
                real.store(processor, topic, partition, nextOffset);
            }
        };
        OrderLog handlers = new OrderLog();
        EventDecoder decoder = (topic, e) -> new EventMessage<>(topic, e.aggregateType(), e.aggregateId(),
                e.sequence(), e.eventType(), 0, new String(e.payload(), StandardCharsets.UTF_8), e.metadata(),
                e.timestamp(), e.partition(), e.offset());
        try (TrackingProcessor p = new TrackingProcessor("order-log", List.of(TOPIC), store, flaky, decoder,
                new EventHandlerBeans(List.of(handlers), type -> null), Thread::new, 100)) {
            p.start();
            await().atMost(WAIT).until(() -> storeFailures.get() < 0 && p.caughtUp());
            append("a", "three");
            await().atMost(WAIT).until(() -> handlers.seen.size() >= 3 && p.caughtUp());
            assertThat(p.status()).allSatisfy(s -> assertThat(s.error()).isNull());
        }
        // The position is kept in memory while the token cannot be stored: nothing handled twice, nothing skipped,
        // and the stored token catches up once the store works again.
        assertThat(handlers.seen).containsExactly("a:one", "a:two", "a:three");
        int partition = real.load("order-log", TOPIC, 0).isPresent() ? 0 : 1;
        assertThat(real.load("order-log", TOPIC, partition).getAsLong()).isEqualTo(3);
    }
}
