package io.cairn.sdk.aggregate;

/**
 * An aggregate's state as loaded, and the sequence number of its last event ({@code -1} when it has none: the
 * state is then the definition's initial state). {@code eventsRead} counts the events replayed (after the snapshot,
 * if one was used).
 */
public record LoadedAggregate<S>(String aggregateId, S state, long lastSequence, boolean fromSnapshot, int eventsRead) {

    /** Whether the aggregate has any event. */
    public boolean exists() {
        return lastSequence >= 0;
    }
}
