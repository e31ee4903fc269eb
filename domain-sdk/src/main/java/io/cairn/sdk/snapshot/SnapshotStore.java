package io.cairn.sdk.snapshot;

import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;
import io.cairn.sdk.serialization.SerializationException;
import io.cairn.sdk.serialization.StateMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Snapshots of aggregate state in a compacted topic {@code <topic>-snapshots} next to the aggregate topic, keyed by
 * aggregate id: compaction keeps only each aggregate's latest snapshot, and loading reads just that one record.
 *
 * <p>Record format: key = aggregate id; event type header = the state's class name; revision 0; payload = the
 * state as JSON by fields ({@link StateMapper}); metadata {@code snapshotSequence} = the sequence number of the last
 * event the state includes (decimal). Appends use {@link EventStore#ANY}: a snapshot is a cache, never a condition.
 *
 * <p>A snapshot that cannot be read (the class changed shape, or was renamed) is skipped with a warning and the
 * aggregate is loaded from all its events, so snapshots never need migrating: the next one replaces it.
 * Thread-safe.
 */
public final class SnapshotStore {

    /** Metadata key of the last included event's sequence number. */
    public static final String SEQUENCE_KEY = "snapshotSequence";
    /** Suffix of a snapshot topic's name. */
    public static final String TOPIC_SUFFIX = "-snapshots";

    private static final Logger log = LoggerFactory.getLogger(SnapshotStore.class);

    private final EventStore store;
    private final StateMapper mapper;
    private final int partitions;
    private final Map<String, Boolean> ensured = new ConcurrentHashMap<>();

    public SnapshotStore(EventStore store, StateMapper mapper, int partitions) {
        this.store = Objects.requireNonNull(store, "store");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.partitions = partitions;
    }

    /** The snapshot topic of an aggregate topic. */
    public static String topicFor(String aggregateTopic) {
        return aggregateTopic + TOPIC_SUFFIX;
    }

    /** The latest snapshot of the aggregate, if one exists and is readable as {@code type}. */
    public <S> Optional<Snapshot<S>> load(String aggregateTopic, String aggregateId, Class<S> type) {
        String topic = topicFor(aggregateTopic);
        ensure(topic);
        Optional<StoredEvent> last = store.readLast(topic, aggregateId);
        if (last.isEmpty()) {
            return Optional.empty();
        }
        StoredEvent record = last.get();
        String sequence = record.metadata().get(SEQUENCE_KEY);
        if (!type.getName().equals(record.eventType()) || sequence == null) {
            log.warn("ignoring snapshot of {} {} in {}: it holds {} (sequence {}), expected {}", aggregateId, aggregateTopic,
                    topic, record.eventType(), sequence, type.getName());
            return Optional.empty();
        }
        try {
            return Optional.of(new Snapshot<>(mapper.fromBytes(record.payload(), type), Long.parseLong(sequence)));
        } catch (SerializationException | NumberFormatException e) {
            log.warn("ignoring unreadable snapshot of {} in {} (loading from events instead): {}", aggregateId, topic,
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** The record a snapshot of {@code state} is stored as (serialized now, so the caller may go on changing it). */
    public EventData toRecord(Object state, long sequence) {
        return new EventData(state.getClass().getName(), 0, mapper.toBytes(state),
                Map.of(SEQUENCE_KEY, Long.toString(sequence)));
    }

    /** Appends a snapshot record made by {@link #toRecord}; failures are logged, never thrown (snapshots are a cache). */
    public CompletableFuture<Void> storeAsync(String aggregateTopic, String aggregateId, EventData snapshot) {
        String topic = topicFor(aggregateTopic);
        try {
            ensure(topic);
            return store.appendAsync(topic, aggregateId, EventStore.ANY, java.util.List.of(snapshot))
                    .handle((r, e) -> {
                        if (e != null) {
                            log.warn("snapshot of {} in {} not stored: {}", aggregateId, topic, e.toString());
                        }
                        return null;
                    });
        } catch (RuntimeException e) {
            log.warn("snapshot of {} in {} not stored: {}", aggregateId, topic, e.toString());
            return CompletableFuture.completedFuture(null);
        }
    }

    private void ensure(String topic) {
        if (!ensured.containsKey(topic)) {
            store.ensureTopic(topic, partitions, true);
            ensured.put(topic, Boolean.TRUE);
        }
    }
}
