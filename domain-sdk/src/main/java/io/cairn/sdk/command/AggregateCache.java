package io.cairn.sdk.command;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * States of recently handled aggregates, so the next command on one skips loading it. An entry is taken out
 * ({@link #checkout}) by the command that uses it, so no two commands ever share a (mutable) aggregate instance; it
 * goes back only after that command's events are durable ({@link #put}). A failed command's state is dropped.
 * The caller validates a checked-out entry against the store's last sequence (other processes may have appended);
 * the conditional append catches any remaining race. Holds at most {@code capacity} entries (beyond that, new
 * states are not kept). Thread-safe.
 */
final class AggregateCache {

    /** A cached state and the sequence of the last event it includes. */
    record Entry(Object state, long lastSequence) {
    }

    private final int capacity;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    AggregateCache(int capacity) {
        this.capacity = capacity;
    }

    Entry checkout(String topic, String aggregateId) {
        return capacity == 0 ? null : entries.remove(key(topic, aggregateId));
    }

    void put(String topic, String aggregateId, Object state, long lastSequence) {
        if (capacity > 0 && state != null && entries.size() < capacity) {
            entries.put(key(topic, aggregateId), new Entry(state, lastSequence));
        }
    }

    private static String key(String topic, String aggregateId) {
        return topic + '\u0000' + aggregateId;
    }
}
