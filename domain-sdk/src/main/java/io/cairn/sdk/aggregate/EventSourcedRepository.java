package io.cairn.sdk.aggregate;

import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;
import io.cairn.sdk.serialization.EventSerializer;
import io.cairn.sdk.snapshot.Snapshot;
import io.cairn.sdk.snapshot.SnapshotStore;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Loads aggregates of one type: the latest snapshot when the type takes snapshots, then the events after it (the
 * store's aggregate index reads only this aggregate's records), upcast and applied in sequence order.
 * Thread-safe; each load returns a new state object.
 */
public final class EventSourcedRepository<S> {

    private final AggregateDefinition<S> definition;
    private final EventStore store;
    private final EventSerializer serializer;
    private final SnapshotStore snapshots;

    /**
     * @param snapshots where snapshots live; used only when {@code definition.snapshotEvery() > 0}
     */
    public EventSourcedRepository(AggregateDefinition<S> definition, EventStore store, EventSerializer serializer,
                                  SnapshotStore snapshots) {
        this.definition = Objects.requireNonNull(definition, "definition");
        this.store = Objects.requireNonNull(store, "store");
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        this.snapshots = snapshots;
        definition.eventTypes().forEach(serializer::register);
    }

    public AggregateDefinition<S> definition() {
        return definition;
    }

    /** Loads the aggregate, using its snapshot when the type takes snapshots. */
    public LoadedAggregate<S> load(String aggregateId) {
        return load(aggregateId, definition.snapshotEvery() > 0);
    }

    /** Loads the aggregate with or without its snapshot. */
    public LoadedAggregate<S> load(String aggregateId, boolean useSnapshot) {
        S state = definition.initialState();
        long last = EventStore.NEW_AGGREGATE;
        boolean fromSnapshot = false;
        if (useSnapshot && snapshots != null) {
            Optional<Snapshot<S>> snapshot = snapshots.load(definition.topic(), aggregateId, definition.stateType());
            if (snapshot.isPresent()) {
                state = snapshot.get().state();
                last = snapshot.get().sequence();
                fromSnapshot = true;
            }
        }
        List<StoredEvent> events = store.read(definition.topic(), aggregateId, last + 1);
        List<Object> payloads = serializer.deserializeAll(events);
        for (int i = 0; i < events.size(); i++) {
            StoredEvent event = events.get(i);
            if (event.sequence() != last + 1) {
                throw new IllegalStateException("events of " + definition.aggregateType() + " " + aggregateId + " in "
                        + definition.topic() + " are not contiguous: expected sequence " + (last + 1) + ", read "
                        + event.sequence() + (fromSnapshot ? " (after a snapshot at " + (last) + ")" : ""));
            }
            state = definition.evolve(state, payloads.get(i));
            last = event.sequence();
        }
        return new LoadedAggregate<>(aggregateId, state, last, fromSnapshot, events.size());
    }
}
