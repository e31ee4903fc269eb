package io.cairn.sdk.aggregate;

import io.cairn.sdk.CommandMessage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * An aggregate written as functions, without annotations: per command class a function naming the target aggregate
 * and a {@code decide(command, state) -> events} function; per event class an {@code evolve(state, event) -> state}
 * function; an initial state. The state should be an immutable value (a record): {@code evolve} returns the next one.
 * Every command may act on a new aggregate (its state is the initial state then, with "no events yet" expected), so
 * {@code decide} itself rejects commands that need an existing one.
 *
 * <pre>{@code
 * FunctionalAggregate<Counter> counters = FunctionalAggregate.builder("Counter", "counters", Counter.class, new Counter(0))
 *     .command(Increment.class, Increment::counterId, (cmd, state) -> List.of(new Incremented(cmd.counterId(), cmd.by())))
 *     .event(Incremented.class, (state, e) -> new Counter(state.value() + e.by()))
 *     .build();
 * }</pre>
 *
 * Immutable and thread-safe.
 *
 * @param <S> the state type
 */
public final class FunctionalAggregate<S> implements AggregateDefinition<S> {

    private final String aggregateType;
    private final String topic;
    private final int snapshotEvery;
    private final Class<S> stateType;
    private final S initialState;
    private final Map<Class<?>, CommandFunctions<S>> commands;
    private final Map<Class<?>, BiFunction<S, Object, S>> events;

    private record CommandFunctions<S>(Function<Object, String> target, BiFunction<Object, S, List<?>> decide) {
    }

    private FunctionalAggregate(String aggregateType, String topic, int snapshotEvery, Class<S> stateType,
                                S initialState, Map<Class<?>, CommandFunctions<S>> commands,
                                Map<Class<?>, BiFunction<S, Object, S>> events) {
        this.aggregateType = aggregateType;
        this.topic = topic;
        this.snapshotEvery = AnnotatedAggregate.checkSnapshotEvery(snapshotEvery);
        this.stateType = stateType;
        this.initialState = initialState;
        this.commands = Map.copyOf(commands);
        this.events = Map.copyOf(events);
    }

    /** Starts a definition. */
    public static <S> Builder<S> builder(String aggregateType, String topic, Class<S> stateType, S initialState) {
        return new Builder<>(aggregateType, topic, stateType, initialState);
    }

    @Override public String aggregateType() { return aggregateType; }
    @Override public String topic() { return topic; }
    @Override public int snapshotEvery() { return snapshotEvery; }
    @Override public Class<S> stateType() { return stateType; }
    @Override public Set<Class<?>> commandTypes() { return commands.keySet(); }
    @Override public Set<Class<?>> eventTypes() { return events.keySet(); }
    @Override public S initialState() { return initialState; }
    @Override public boolean createsAggregate(Class<?> commandType) { return false; }

    @Override
    public S evolve(S state, Object event) {
        BiFunction<S, Object, S> f = events.get(event.getClass());
        if (f == null) {
            return state;
        }
        return Objects.requireNonNull(f.apply(state, event),
                () -> aggregateType + ": evolve returned null for " + event.getClass().getSimpleName());
    }

    @Override
    public String targetAggregateId(Object command) {
        String id = functions(command.getClass()).target().apply(command);
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("command " + command.getClass().getSimpleName()
                    + " names no " + aggregateType + " (its aggregate id is null or empty)");
        }
        return id;
    }

    @Override
    public Decision<S> handle(S state, CommandMessage<?> message) {
        Object command = message.payload();
        String id = targetAggregateId(command);
        List<?> decided = functions(command.getClass()).decide().apply(command, state);
        List<Object> out = List.copyOf(decided == null ? List.of() : decided);
        S next = state;
        for (Object event : out) {
            next = evolve(next, event);
        }
        return new Decision<>(id, next, out, id);
    }

    private CommandFunctions<S> functions(Class<?> commandType) {
        CommandFunctions<S> f = commands.get(commandType);
        if (f == null) {
            throw new IllegalArgumentException(aggregateType + " has no decide function for " + commandType.getName());
        }
        return f;
    }

    @Override
    public FunctionalAggregate<S> withTopic(String newTopic) {
        return new FunctionalAggregate<>(aggregateType, newTopic, snapshotEvery, stateType, initialState, commands, events);
    }

    @Override
    public FunctionalAggregate<S> withSnapshotEvery(int n) {
        return new FunctionalAggregate<>(aggregateType, topic, n, stateType, initialState, commands, events);
    }

    @Override
    public String toString() {
        return "FunctionalAggregate[" + aggregateType + ", topic " + topic + "]";
    }

    /** Collects the functions; {@link #build()} checks there is at least one command. Not thread-safe. */
    public static final class Builder<S> {
        private final String aggregateType;
        private final String topic;
        private final Class<S> stateType;
        private final S initialState;
        private int snapshotEvery;
        private final Map<Class<?>, CommandFunctions<S>> commands = new LinkedHashMap<>();
        private final Map<Class<?>, BiFunction<S, Object, S>> events = new LinkedHashMap<>();

        private Builder(String aggregateType, String topic, Class<S> stateType, S initialState) {
            this.aggregateType = Objects.requireNonNull(aggregateType, "aggregateType");
            this.topic = Objects.requireNonNull(topic, "topic");
            this.stateType = Objects.requireNonNull(stateType, "stateType");
            this.initialState = Objects.requireNonNull(initialState, "initialState");
        }

        /** Handles commands of class {@code type}: {@code target} names the aggregate, {@code decide} the events. */
        public <C> Builder<S> command(Class<C> type, Function<? super C, String> target,
                                      BiFunction<? super C, ? super S, ? extends List<?>> decide) {
            Function<Object, String> t = c -> target.apply(type.cast(c));
            BiFunction<Object, S, List<?>> d = (c, s) -> decide.apply(type.cast(c), s);
            if (commands.putIfAbsent(type, new CommandFunctions<>(t, d)) != null) {
                throw new IllegalArgumentException("two decide functions for " + type.getName());
            }
            return this;
        }

        /** Evolves the state with events of class {@code type}. */
        public <E> Builder<S> event(Class<E> type, BiFunction<? super S, ? super E, ? extends S> evolve) {
            if (events.putIfAbsent(type, (s, e) -> evolve.apply(s, type.cast(e))) != null) {
                throw new IllegalArgumentException("two evolve functions for " + type.getName());
            }
            return this;
        }

        /** Snapshot every this many events (0 = never, the default). */
        public Builder<S> snapshotEvery(int n) {
            this.snapshotEvery = n;
            return this;
        }

        public FunctionalAggregate<S> build() {
            if (commands.isEmpty()) {
                throw new IllegalStateException(aggregateType + " handles no command");
            }
            return new FunctionalAggregate<>(aggregateType, topic, snapshotEvery, stateType, initialState, commands, events);
        }
    }
}
