package io.cairn.sdk.saga;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Sagas in a compacted topic of the log (default {@value #DEFAULT_TOPIC}): one record per save, keyed by saga id,
 * event type {@value #EVENT_TYPE} revision 0, payload the {@link SagaEntry} as JSON. The record's sequence number is
 * the saga's version, and saves are conditional on it, so two runtimes driving one saga cannot overwrite each other.
 * Compaction keeps the last record per saga.
 *
 * <p>{@link #loadActive} scans the topic once (at start-up): its cost grows with the number of sagas kept, which
 * compaction bounds by the number of distinct sagas.
 */
public final class LogSagaStore implements SagaStore {
    public static final String DEFAULT_TOPIC = "cairn-sagas";
    public static final String EVENT_TYPE = "cairn.SagaState";

    private final EventStore store;
    private final String topic;
    private final ObjectMapper mapper;

    public LogSagaStore(EventStore store, String topic, ObjectMapper mapper) {
        this.store = Objects.requireNonNull(store, "store");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        store.ensureTopic(topic, 1, true);
    }

    @Override
    public Map<String, Versioned> loadActive(String sagaType) {
        Map<String, Versioned> result = new HashMap<>();
        for (StoredEvent e : LogScan.latestPerKey(store, topic).values()) {
            SagaEntry entry = read(e);
            if (!entry.ended() && entry.sagaType().equals(sagaType)) {
                result.put(entry.sagaId(), new Versioned(entry, e.sequence()));
            }
        }
        return result;
    }

    @Override
    public Optional<Versioned> load(String sagaId) {
        return store.readLast(topic, sagaId).map(e -> new Versioned(read(e), e.sequence()));
    }

    @Override
    public long save(SagaEntry entry, long expectedVersion) {
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(entry);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write saga " + entry.sagaId() + " as JSON", e);
        }
        long expected = expectedVersion == NEW ? EventStore.NEW_AGGREGATE : expectedVersion;
        return store.append(topic, entry.sagaId(), expected, List.of(new EventData(EVENT_TYPE, 0, json, Map.of())))
                .lastSequence();
    }

    private SagaEntry read(StoredEvent e) {
        try {
            return mapper.readValue(e.payload(), SagaEntry.class);
        } catch (IOException ex) {
            throw new IllegalStateException("unreadable saga " + e.aggregateId() + " in " + topic + " at "
                    + e.partition() + "@" + e.offset() + ": " + ex.getMessage(), ex);
        }
    }
}
