package io.cairn.sdk.saga;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.sdk.CommandMessage;
import io.cairn.sdk.EventMessage;
import io.cairn.sdk.command.CommandGateway;
import io.cairn.sdk.eventstore.InMemoryEventStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Given/when/then tests for one saga type, without a log or threads:
 * {@code fixture.givenEvents(...).whenEvent(event).expectCommands(...)}, and {@code whenTimeElapses(duration)} for
 * deadlines.
 *
 * <p>It runs the real {@link SagaManager} and {@link DeadlineManager} on an in-memory store with a clock it moves
 * by hand, so each event goes through the same path as in production: state loaded from JSON, handler called, state
 * saved as JSON (a field that does not survive the round trip shows up as a wrong state in the next step). Commands
 * the saga sends are recorded; what the "gateway" answers is set per command class with
 * {@link #onCommand(Class, Function)} (default: null; throw from the function to refuse the command). Not
 * thread-safe; one fixture per test.
 *
 * @param <S> the saga class
 */
public final class SagaTestFixture<S> {
    private final Class<S> sagaClass;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final Map<Class<?>, Object> resources = new HashMap<>();
    private final Map<Class<?>, Function<Object, Object>> answers = new HashMap<>();
    private final List<Object> commands = new ArrayList<>();
    private final InMemoryEventStore store = new InMemoryEventStore(clock::millis);
    private final DeadlineManager deadlines;
    private SagaManager manager;
    private long offset;
    private Exception failure;

    public SagaTestFixture(Class<S> sagaClass) {
        this.sagaClass = sagaClass;
        ObjectMapper json = new ObjectMapper();
        this.deadlines = new DeadlineManager(new LogDeadlineStore(store, LogDeadlineStore.DEFAULT_TOPIC, json), clock,
                (java.util.concurrent.ScheduledExecutorService) null);
        resources.put(CommandGateway.class, new RecordingGateway());
    }

    /** Something the saga's handlers take as a parameter. */
    public <T> SagaTestFixture<S> registerResource(Class<T> type, T value) {
        resources.put(type, Objects.requireNonNull(value, "value"));
        return this;
    }

    /** What sending a command of this class answers (or throws, to refuse it). */
    @SuppressWarnings("unchecked")
    public <C> SagaTestFixture<S> onCommand(Class<C> type, Function<? super C, ?> answer) {
        answers.put(type, c -> ((Function<Object, Object>) answer).apply(c));
        return this;
    }

    /** Delivers events that happened before the test (their commands are not expected). */
    public SagaTestFixture<S> givenEvents(Object... events) {
        for (Object e : events) {
            deliver(e);
            if (failure != null) {
                throw new AssertionError("given event " + e + " failed", failure);
            }
        }
        commands.clear();
        return this;
    }

    /** Delivers one event; its commands and failure are what the expectations check. */
    public SagaTestFixture<S> whenEvent(Object event) {
        commands.clear();
        deliver(event);
        return this;
    }

    /** Moves the clock and fires every deadline due by then. */
    public SagaTestFixture<S> whenTimeElapses(Duration duration) {
        commands.clear();
        failure = null;
        clock.now = clock.now.plus(duration);
        try {
            deadlines.fireDue();
        } catch (RuntimeException e) {
            failure = e;
        }
        return this;
    }

    public SagaTestFixture<S> expectCommands(Object... expected) {
        expectNoFailure();
        if (!commands.equals(List.of(expected))) {
            throw new AssertionError("expected commands " + List.of(expected) + " but the saga sent " + commands);
        }
        return this;
    }

    public SagaTestFixture<S> expectNoCommands() {
        return expectCommands();
    }

    public SagaTestFixture<S> expectActiveSagas(int count) {
        int active = manager().activeSagas().size();
        if (active != count) {
            throw new AssertionError("expected " + count + " active saga(s), found " + active + ": "
                    + manager().activeSagas());
        }
        return this;
    }

    /** The names of the scheduled deadlines, earliest first. */
    public SagaTestFixture<S> expectScheduledDeadlines(String... names) {
        List<String> scheduled = deadlines.scheduled().stream().map(DeadlineEntry::name).toList();
        if (!scheduled.equals(List.of(names))) {
            throw new AssertionError("expected deadlines " + List.of(names) + " but scheduled are " + scheduled);
        }
        return this;
    }

    /** Assertions on the state of the one active saga, as loaded from its stored JSON. */
    public SagaTestFixture<S> expectState(Consumer<? super S> assertions) {
        expectActiveSagas(1);
        String id = manager().activeSagas().get(0).sagaId();
        assertions.accept(manager().instance(id, sagaClass).orElseThrow());
        return this;
    }

    /** The last event or deadline made the handler throw (the processor would retry it). */
    public SagaTestFixture<S> expectException(Class<? extends Exception> type) {
        if (failure == null || !type.isInstance(failure)) {
            throw new AssertionError("expected " + type.getName() + " but got " + failure, failure);
        }
        return this;
    }

    private void expectNoFailure() {
        if (failure != null) {
            throw new AssertionError("the saga failed: " + failure, failure);
        }
    }

    private SagaManager manager() {
        if (manager == null) {
            manager = new SagaManager(sagaClass, new LogSagaStore(store, LogSagaStore.DEFAULT_TOPIC, new ObjectMapper()),
                    deadlines, resources::get);
            manager.start();
            deadlines.start();
        }
        return manager;
    }

    private void deliver(Object event) {
        failure = null;
        long at = offset++;
        EventMessage<Object> message = new EventMessage<>("fixture", "fixture", "fixture", at,
                event.getClass().getSimpleName(), 0, event, Map.of(), clock.millis(), 0, at);
        try {
            if (manager().handles(event.getClass())) {
                manager().handle(message);
            }
        } catch (Exception e) {
            failure = e;
        }
    }

    private final class RecordingGateway implements CommandGateway {
        @Override
        @SuppressWarnings("unchecked")
        public <R> R send(Object command) {
            commands.add(command);
            Function<Object, Object> answer = answers.get(command.getClass());
            return answer == null ? null : (R) answer.apply(command);
        }

        @Override
        public <R> R send(Object command, Map<String, String> metadata) {
            return send(command);
        }

        @Override
        public <R> CompletableFuture<R> sendAsync(Object command) {
            try {
                return CompletableFuture.completedFuture(send(command));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public <R> CompletableFuture<R> sendAsync(CommandMessage<?> command) {
            return sendAsync(command.payload());
        }
    }

    private static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
