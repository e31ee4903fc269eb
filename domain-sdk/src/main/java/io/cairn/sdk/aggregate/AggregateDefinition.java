package io.cairn.sdk.aggregate;

import io.cairn.sdk.CommandMessage;

import java.util.Set;

/**
 * What the command gateway, repository and test fixture need to know about one aggregate type, whichever way it is
 * written: {@link AnnotatedAggregate} (a class with annotations) or {@link FunctionalAggregate} (decide and evolve
 * functions). Implementations are immutable and thread-safe; the states they handle are not shared between threads.
 *
 * @param <S> the state type: the aggregate instance for annotated aggregates, any (preferably immutable) value for
 *            functional ones
 */
public interface AggregateDefinition<S> {

    /** The aggregate type name (the {@code cairn-aggregate-type} header). */
    String aggregateType();

    /** The topic holding this type's events. */
    String topic();

    /** Snapshot every this many events; 0 = never. */
    int snapshotEvery();

    /** The state's class (snapshots are read as this). */
    Class<S> stateType();

    /** The command classes this aggregate handles. */
    Set<Class<?>> commandTypes();

    /** The event classes this aggregate applies (registered with the serializer so they can be read). */
    Set<Class<?>> eventTypes();

    /** The state of an aggregate without events: null for annotated aggregates (they do not exist yet). */
    S initialState();

    /** The state after {@code event}; {@code state} is {@link #initialState()} for the first event. */
    S evolve(S state, Object event);

    /** Whether this command creates a new aggregate (appended with "no events yet" expected). */
    boolean createsAggregate(Class<?> commandType);

    /**
     * The id of the aggregate the command is for, or null when a creation command does not name it (the id then
     * comes from the created state).
     *
     * @throws IllegalArgumentException when a command for an existing aggregate names none
     */
    String targetAggregateId(Object command);

    /**
     * Runs the command's handler on {@code state} (the loaded state, {@link #initialState()} for a new aggregate).
     * Throws what the handler throws; nothing is appended then.
     */
    Decision<S> handle(S state, CommandMessage<?> command);

    /** A copy of this definition with another topic. */
    AggregateDefinition<S> withTopic(String topic);

    /** A copy of this definition with another snapshot interval (0 = never). */
    AggregateDefinition<S> withSnapshotEvery(int events);
}
