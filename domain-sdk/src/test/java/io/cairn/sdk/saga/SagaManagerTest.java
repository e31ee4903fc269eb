package io.cairn.sdk.saga;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.LogEventStore;
import io.cairn.sdk.processing.EventDecoder;
import io.cairn.sdk.processing.LogTokenStore;
import io.cairn.sdk.serialization.EventSerializer;
import io.cairn.sdk.processing.TrackingProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Sagas and deadlines on the real log engine, across engine restarts. */
class SagaManagerTest {
    static final String TOPIC = "shop";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EventSerializer SERIALIZER = new EventSerializer()
            .register(OrderPlaced.class).register(PaymentReceived.class).register(OrderShipped.class);

    record OrderPlaced(String orderId, long total) { }
    record PaymentReceived(String orderId, String paymentId) { }
    record OrderShipped(String orderId) { }
    record PaymentDue(String orderId) { }

    /** What the saga "sends" (stands in for a command gateway). */
    static final class Outbox {
        final List<String> sent = new CopyOnWriteArrayList<>();
    }

    @Saga(topics = TOPIC)
    static class OrderSaga {
        String orderId;
        long total;
        String paymentDeadline;
        boolean paid;
        transient String notPersisted = "set by the constructor only";

        @StartSaga
        @SagaEventHandler(associationProperty = "orderId")
        void on(OrderPlaced e, SagaContext saga, Outbox out) {
            orderId = e.orderId();
            total = e.total();
            paymentDeadline = saga.scheduleDeadline(Duration.ofMinutes(10), "payment-due", new PaymentDue(orderId));
            out.sent.add("reserve " + orderId);
        }

        @SagaEventHandler(associationProperty = "orderId")
        void on(PaymentReceived e, SagaContext saga, Outbox out) {
            paid = true;
            saga.cancelDeadline(paymentDeadline);
            saga.associateWith("paymentId", e.paymentId());
            out.sent.add("ship " + orderId + " " + total);
        }

        @EndSaga
        @SagaEventHandler(associationProperty = "orderId")
        void on(OrderShipped e, Outbox out) {
            out.sent.add("done " + orderId);
        }

        @EndSaga
        @DeadlineHandler(deadlineName = "payment-due")
        void on(PaymentDue d, Outbox out) {
            out.sent.add("cancel " + d.orderId() + (paid ? " (paid?!)" : ""));
        }
    }

    @TempDir
    Path dir;
    private LogEngine engine;
    private EventStore store;
    private Stack stack;

    /** The pieces a DomainRuntime wires for one saga type. */
    final class Stack implements AutoCloseable {
        final Outbox outbox = new Outbox();
        final DeadlineManager deadlines;
        final SagaManager sagas;
        final TrackingProcessor processor;

        Stack(Clock clock) {
            deadlines = new DeadlineManager(new LogDeadlineStore(store, LogDeadlineStore.DEFAULT_TOPIC, JSON), clock,
                    Thread::new);
            sagas = new SagaManager(OrderSaga.class, new LogSagaStore(store, LogSagaStore.DEFAULT_TOPIC, JSON),
                    deadlines, type -> type == Outbox.class ? outbox : null);
            processor = new TrackingProcessor("saga-OrderSaga", List.of(TOPIC), store, new LogTokenStore(store),
                    EventDecoder.of(SERIALIZER), sagas, Thread::new, 100);
            sagas.start();
            deadlines.start();
            processor.start();
        }

        @Override
        public void close() {
            processor.close();
            deadlines.close();
        }
    }

    @BeforeEach
    void open() {
        openEngine();
        store.ensureTopic(TOPIC, 2, false);
    }

    @AfterEach
    void close() {
        if (stack != null) {
            stack.close();
        }
        engine.close();
    }

    private void openEngine() {
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        store = LogEventStore.of(engine);
    }

    private void restart(Clock clock) {
        stack.close();
        engine.close();
        openEngine();
        stack = new Stack(clock);
    }

    private void publish(String orderId, Object event) {
        store.append(TOPIC, orderId, EventStore.ANY, List.of(SERIALIZER.serialize(event, Map.of())));
    }

    @Test
    void aSagaStartsContinuesAcrossARestartWithItsStateAndEnds() throws Exception {
        stack = new Stack(Clock.systemUTC());
        publish("o-1", new OrderPlaced("o-1", 4200));
        await().atMost(WAIT).until(() -> stack.sagas.activeSagas().size() == 1);
        assertThat(stack.outbox.sent).containsExactly("reserve o-1");
        assertThat(stack.deadlines.scheduled()).hasSize(1);

        restart(Clock.systemUTC());
        assertThat(stack.sagas.activeSagas()).hasSize(1);
        String sagaId = stack.sagas.activeSagas().get(0).sagaId();
        OrderSaga state = stack.sagas.instance(sagaId, OrderSaga.class).orElseThrow();
        assertThat(state.orderId).isEqualTo("o-1");
        assertThat(state.total).isEqualTo(4200);
        assertThat(state.notPersisted).isEqualTo("set by the constructor only");

        publish("o-1", new PaymentReceived("o-1", "pay-9"));
        await().atMost(WAIT).until(() -> !stack.sagas.associated("paymentId", "pay-9").isEmpty());
        assertThat(stack.outbox.sent).containsExactly("ship o-1 4200");
        assertThat(stack.sagas.associated("paymentId", "pay-9")).containsExactly(sagaId);
        assertThat(stack.deadlines.scheduled()).isEmpty();   // cancelled by the payment

        publish("o-1", new OrderShipped("o-1"));
        await().atMost(WAIT).until(() -> stack.outbox.sent.contains("done o-1"));
        await().atMost(WAIT).until(() -> stack.sagas.activeSagas().isEmpty());
        assertThat(stack.sagas.associated("orderId", "o-1")).isEmpty();
        assertThat(stack.outbox.sent).containsExactly("ship o-1 4200", "done o-1");   // the reserve was before the restart
    }

    @Test
    void aDeadlineDueWhileTheRuntimeWasDownFiresAfterTheRestart() throws Exception {
        stack = new Stack(Clock.systemUTC());
        publish("o-2", new OrderPlaced("o-2", 10));
        await().atMost(WAIT).until(() -> stack.outbox.sent.contains("reserve o-2"));

        // Back an hour later: the 10-minute deadline fell due while nothing ran.
        restart(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)));

        await().atMost(WAIT).until(() -> stack.outbox.sent.contains("cancel o-2"));
        await().atMost(WAIT).until(() -> stack.sagas.activeSagas().isEmpty());
        assertThat(stack.deadlines.scheduled()).isEmpty();

        restart(Clock.offset(Clock.systemUTC(), Duration.ofHours(2)));   // fired is fired: nothing again
        assertThat(stack.deadlines.scheduled()).isEmpty();
        assertThat(stack.sagas.activeSagas()).isEmpty();
    }

    @Test
    void aCancelledDeadlineDoesNotFireAfterARestart() throws Exception {
        stack = new Stack(Clock.systemUTC());
        publish("o-3", new OrderPlaced("o-3", 10));
        publish("o-3", new PaymentReceived("o-3", "pay-3"));
        publish("o-4", new OrderPlaced("o-4", 1));
        await().atMost(WAIT).until(() -> stack.outbox.sent.containsAll(List.of("ship o-3 10", "reserve o-4"))
                && stack.processor.caughtUp());
        assertThat(stack.deadlines.scheduled()).hasSize(1);

        restart(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)));
        await().atMost(WAIT).until(() -> stack.outbox.sent.contains("cancel o-4"));
        assertThat(stack.outbox.sent).doesNotContain("cancel o-3");
        assertThat(stack.sagas.activeSagas()).extracting(SagaEntry::sagaId).hasSize(1);   // o-3 waits for shipping
    }

    @Test
    void replayingTheEventsChangesNoSagaAndStartsNoSecondOne() throws Exception {
        stack = new Stack(Clock.systemUTC());
        publish("o-5", new OrderPlaced("o-5", 5));
        publish("o-5", new PaymentReceived("o-5", "pay-5"));
        publish("o-6", new OrderPlaced("o-6", 6));
        publish("o-6", new PaymentReceived("o-6", "pay-6"));
        publish("o-6", new OrderShipped("o-6"));
        await().atMost(WAIT).until(() -> stack.outbox.sent.contains("done o-6") && stack.processor.caughtUp());
        List<String> before = List.copyOf(stack.outbox.sent);

        stack.processor.reset();   // as after a crash that lost every token: all events come again

        await().atMost(WAIT).until(stack.processor::caughtUp);
        assertThat(stack.outbox.sent).isEqualTo(before);
        assertThat(stack.sagas.activeSagas()).hasSize(1);   // o-5, waiting for its shipment
    }
}
