package io.cairn.sdk.test;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.sdk.CommandMessage;
import io.cairn.sdk.aggregate.AggregateDefinition;
import io.cairn.sdk.aggregate.AnnotatedAggregate;
import io.cairn.sdk.aggregate.Decision;
import io.cairn.sdk.command.CommandInterceptor;
import io.cairn.sdk.serialization.EventSerializer;
import io.cairn.sdk.serialization.StateMapper;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Given/when/then tests for one aggregate type, without a store:
 * {@code fixture.given(events...).when(command).expectEvents(events...)}.
 *
 * <p>It runs a command the way the gateway does (interceptors, with validation first; then the handler on the state
 * replayed from the given events), and checks on the way:
 * <ul>
 *   <li>every given and produced event survives a JSON round trip unchanged (so it can be stored and read back);</li>
 *   <li>the <em>replay check</em>: after a successful command, the state the handler left must equal the state
 *       rebuilt from scratch by replaying the given and the produced events through the event-sourcing handlers
 *       (compared as JSON trees of all fields). A command handler that changes a field directly fails here, because
 *       that change would be lost on the next load.</li>
 * </ul>
 * A creation command after given events fails like the store would: with a {@link ConcurrencyConflictException}.
 * Not thread-safe; one fixture per test.
 *
 * @param <S> the aggregate (state) type
 */
public final class AggregateTestFixture<S> {

    private final AggregateDefinition<S> definition;
    private final EventSerializer serializer = new EventSerializer();
    private final StateMapper stateMapper = new StateMapper();
    private final List<CommandInterceptor> interceptors = new ArrayList<>(List.of(CommandInterceptor.validation()));

    /** A fixture for an annotated aggregate class. */
    public AggregateTestFixture(Class<S> aggregateClass) {
        this(AnnotatedAggregate.of(aggregateClass));
    }

    /** A fixture for any aggregate definition (e.g. a functional one). */
    public AggregateTestFixture(AggregateDefinition<S> definition) {
        this.definition = Objects.requireNonNull(definition, "definition");
        definition.eventTypes().forEach(serializer::register);
    }

    /** Adds an interceptor after validation, as the gateway would run it. */
    public AggregateTestFixture<S> interceptor(CommandInterceptor interceptor) {
        interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
        return this;
    }

    /** The aggregate's past: these events, in order. */
    public Given given(Object... events) {
        return new Given(Arrays.asList(events));
    }

    /** The aggregate's past: these events, in order. */
    public Given given(List<?> events) {
        return new Given(events);
    }

    /**
     * The aggregate's past: the events these commands produce, each handled in turn on the state so far (a
     * creation command first). A command that fails here fails the test setup with its exception.
     */
    public Given givenCommands(Object... commands) {
        List<Object> events = new ArrayList<>();
        S state = definition.initialState();
        for (Object command : commands) {
            Decision<S> decision = definition.handle(state, CommandMessage.of(command));
            events.addAll(decision.events());
            state = decision.state();
        }
        return new Given(events);
    }

    /** No past: the aggregate does not exist yet. */
    public Given givenNoPriorActivity() {
        return new Given(List.of());
    }

    /** The past of the aggregate, ready for a command. */
    public final class Given {
        private final List<Object> events;

        private Given(List<?> events) {
            this.events = new ArrayList<>(events.size());
            for (Object e : events) {
                this.events.add(roundTrip(Objects.requireNonNull(e, "a given event is null"), "given"));
            }
        }

        /** Handles {@code command}. */
        public Result when(Object command) {
            return when(command, Map.of());
        }

        /** Handles {@code command} with metadata. */
        public Result when(Object command, Map<String, String> metadata) {
            boolean creates = definition.createsAggregate(command.getClass());
            S state = creates ? definition.initialState() : replay(events);
            try {
                CommandMessage<?> message = CommandMessage.of(command, metadata);
                for (CommandInterceptor interceptor : interceptors) {
                    message = interceptor.intercept(message);
                }
                Decision<S> decision = definition.handle(state, message);
                if (creates && !events.isEmpty()) {
                    throw new ConcurrencyConflictException(definition.topic(), decision.aggregateId(),
                            EventStore.NEW_AGGREGATE, events.size() - 1L);
                }
                List<Object> produced = new ArrayList<>();
                for (Object e : decision.events()) {
                    produced.add(roundTrip(e, "produced"));
                }
                replayCheck(decision, produced);
                return new Result(decision.state(), produced, decision.result(), null);
            } catch (RuntimeException e) {
                return new Result(null, List.of(), null, e);
            }
        }

        private void replayCheck(Decision<S> decision, List<Object> produced) {
            if (produced.isEmpty() && events.isEmpty()) {
                return;
            }
            List<Object> all = new ArrayList<>(events);
            all.addAll(produced);
            S replayed = replay(all);
            JsonNode handled = stateMapper.toTree(decision.state());
            JsonNode fresh = stateMapper.toTree(replayed);
            if (!handled.equals(fresh)) {
                throw new AssertionError("replay check failed for " + definition.aggregateType()
                        + ": the state after the command handler differs from the state replayed from the events,"
                        + " so state changed outside an event-sourcing handler (it would be lost on reload)."
                        + "\n  after handling: " + handled + "\n  replayed:       " + fresh);
            }
        }
    }

    private S replay(List<Object> events) {
        S state = definition.initialState();
        for (Object e : events) {
            state = definition.evolve(state, e);
        }
        return state;
    }

    private Object roundTrip(Object event, String what) {
        EventData data = serializer.serialize(event, Map.of());
        Object back = serializer.deserialize(data.eventType(), data.revision(), data.payload());
        if (!back.equals(event)) {
            throw new AssertionError(what + " event " + event + " does not survive a JSON round trip: read back as "
                    + back + " (JSON " + new String(data.payload(), java.nio.charset.StandardCharsets.UTF_8)
                    + "); give the class value equality (a record) and make every field serializable");
        }
        return back;
    }

    /** What the command did; the expectations throw {@link AssertionError} with the evidence. */
    public final class Result {
        private final S state;
        private final List<Object> events;
        private final Object result;
        private final RuntimeException failure;

        private Result(S state, List<Object> events, Object result, RuntimeException failure) {
            this.state = state;
            this.events = List.copyOf(events);
            this.result = result;
            this.failure = failure;
        }

        /** Expects success with exactly these events, in order. */
        public Result expectEvents(Object... expected) {
            expectSuccess();
            if (!events.equals(Arrays.asList(expected))) {
                throw new AssertionError("expected events " + Arrays.asList(expected) + "\n but got       " + events);
            }
            return this;
        }

        /** Expects success and runs assertions on the produced events. */
        public Result expectEventsSatisfying(Consumer<List<Object>> assertions) {
            expectSuccess();
            assertions.accept(events);
            return this;
        }

        /** Expects success without events. */
        public Result expectNoEvents() {
            return expectEvents();
        }

        /** Expects the command to succeed. */
        public Result expectSuccess() {
            if (failure != null) {
                AssertionError error = new AssertionError("expected success but the command failed: " + failure);
                error.initCause(failure);
                throw error;
            }
            return this;
        }

        /** Expects failure with an exception of this type (nothing would be appended). */
        public Result expectException(Class<? extends Throwable> type) {
            if (failure == null) {
                throw new AssertionError("expected " + type.getSimpleName() + " but the command succeeded with events " + events);
            }
            if (!type.isInstance(failure)) {
                AssertionError error = new AssertionError("expected " + type.getName() + " but got " + failure);
                error.initCause(failure);
                throw error;
            }
            return this;
        }

        /** Expects failure whose message contains {@code text}. */
        public Result expectExceptionMessage(String text) {
            if (failure == null || failure.getMessage() == null || !failure.getMessage().contains(text)) {
                throw new AssertionError("expected a failure with a message containing '" + text + "' but got "
                        + (failure == null ? "success with events " + events : failure));
            }
            return this;
        }

        /** Expects the handler's return value (for a creating command: the aggregate id). */
        public Result expectResult(Object expected) {
            expectSuccess();
            if (!Objects.equals(expected, result)) {
                throw new AssertionError("expected result " + expected + " but got " + result);
            }
            return this;
        }

        /** Runs assertions on the state after the command. */
        public Result expectState(Consumer<? super S> assertions) {
            expectSuccess();
            assertions.accept(state);
            return this;
        }

        /** The produced events. */
        public List<Object> events() {
            return events;
        }
    }
}
