package io.cairn.sdk.command;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

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
    private final Map<String, Map<String, Entry>> byTopic = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    AggregateCache(int capacity) {
        this.capacity = capacity;
    }

    Entry checkout(String topic, String aggregateId) {
        Map<String, Entry> entries = byTopic.get(topic);
        Entry entry = entries == null ? null : entries.remove(aggregateId);
        if (entry != null) {
            size.decrementAndGet();
        }
        return entry;
    }

    /** Runs on the store's completion thread: kept to a map put (no key building, no size walk). */
    void put(String topic, String aggregateId, Object state, long lastSequence) {
        if (capacity == 0 || state == null || size.get() >= capacity) {
            return;
        }
        Map<String, Entry> entries = byTopic.computeIfAbsent(topic, t -> new ConcurrentHashMap<>());
        if (entries.put(aggregateId, new Entry(state, lastSequence)) == null) {
            size.incrementAndGet();
        }
    }
}
