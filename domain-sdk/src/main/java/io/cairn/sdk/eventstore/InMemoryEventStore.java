package io.cairn.sdk.eventstore;

import io.cairn.log.store.AppendResult;
import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * An {@link EventStore} in memory, for fast tests and examples: the same contract as the store on the log
 * (conditional atomic appends, per-aggregate reads, partitions by key), nothing durable. Compacted topics keep only
 * each key's last event, as compaction would eventually. Thread-safe: one lock per topic.
 */
public final class InMemoryEventStore implements EventStore {

    private final Map<String, TopicData> topics = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    public InMemoryEventStore() {
        this(System::currentTimeMillis);
    }

    /** A store stamping events with {@code clock} (epoch millis). */
    public InMemoryEventStore(LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    private static final class TopicData {
        final List<List<StoredEvent>> partitions = new ArrayList<>();
        final Map<String, List<StoredEvent>> byAggregate = new HashMap<>();
        final Map<String, Long> lastSequence = new HashMap<>();
        final boolean compacted;

        TopicData(int partitionCount, boolean compacted) {
            for (int i = 0; i < partitionCount; i++) {
                partitions.add(new ArrayList<>());
            }
            this.compacted = compacted;
        }
    }

    @Override
    public AppendResult append(String topic, String aggregateId, long expectedSequence, List<EventData> events) {
        Objects.requireNonNull(aggregateId, "aggregateId");
        if (events == null || events.isEmpty()) {
            throw new IllegalArgumentException("append of no events to " + topic + "/" + aggregateId);
        }
        if (aggregateId.isEmpty()) {
            throw new IllegalArgumentException("aggregate id must not be empty");
        }
        TopicData data = topic(topic);
        synchronized (data) {
            long last = data.lastSequence.getOrDefault(aggregateId, NEW_AGGREGATE);
            if (expectedSequence != ANY && expectedSequence != last) {
                throw new ConcurrencyConflictException(topic, aggregateId, expectedSequence, last);
            }
            int partition = Math.floorMod(aggregateId.hashCode(), data.partitions.size());
            List<StoredEvent> log = data.partitions.get(partition);
            List<StoredEvent> mine = data.byAggregate.computeIfAbsent(aggregateId, k -> new ArrayList<>());
            if (data.compacted) {
                mine.clear();
            }
            long first = log.size();
            long now = clock.getAsLong();
            for (EventData e : events) {
                last++;
                StoredEvent stored = new StoredEvent(topic /* aggregate type: the API carries none */, aggregateId, last, e.eventType(), e.revision(),
                        e.payload().clone(), e.metadata(), now, partition, log.size());
                log.add(stored);
                mine.add(stored);
            }
            data.lastSequence.put(aggregateId, last);
            data.notifyAll();
            return new AppendResult(partition, first, log.size() - 1, last);
        }
    }

    @Override
    public CompletableFuture<AppendResult> appendAsync(String topic, String aggregateId, long expectedSequence,
                                                       List<EventData> events) {
        try {
            return CompletableFuture.completedFuture(append(topic, aggregateId, expectedSequence, events));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public List<StoredEvent> read(String topic, String aggregateId, long fromSequence) {
        TopicData data = topic(topic);
        synchronized (data) {
            List<StoredEvent> mine = data.byAggregate.get(aggregateId);
            if (mine == null) {
                return List.of();
            }
            List<StoredEvent> out = new ArrayList<>();
            for (StoredEvent e : mine) {
                if (e.sequence() >= fromSequence) {
                    out.add(e);
                }
            }
            return out;
        }
    }

    @Override
    public Optional<StoredEvent> readLast(String topic, String aggregateId) {
        TopicData data = topic(topic);
        synchronized (data) {
            List<StoredEvent> mine = data.byAggregate.get(aggregateId);
            return mine == null || mine.isEmpty() ? Optional.empty() : Optional.of(mine.get(mine.size() - 1));
        }
    }

    @Override
    public long lastSequence(String topic, String aggregateId) {
        TopicData data = topic(topic);
        synchronized (data) {
            return data.lastSequence.getOrDefault(aggregateId, NEW_AGGREGATE);
        }
    }

    @Override
    public void ensureTopic(String topic, int partitions, boolean compacted) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("topic name must not be blank");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
        }
        topics.computeIfAbsent(topic, t -> new TopicData(partitions, compacted));
    }

    @Override
    public int partitionCount(String topic) {
        return topic(topic).partitions.size();
    }

    @Override
    public long endOffset(String topic, int partition) {
        TopicData data = topic(topic);
        synchronized (data) {
            return data.partitions.get(partition).size();
        }
    }

    @Override
    public List<StoredEvent> readPartition(String topic, int partition, long fromOffset, int maxEvents,
                                           long maxWaitMillis) {
        TopicData data = topic(topic);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        synchronized (data) {
            List<StoredEvent> log = data.partitions.get(partition);
            while (log.size() <= fromOffset) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return List.of();
                }
                try {
                    data.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return List.of();
                }
            }
            int from = (int) Math.max(0, fromOffset);
            int to = (int) Math.min(log.size(), (long) from + maxEvents);
            return List.copyOf(log.subList(from, to));
        }
    }

    private TopicData topic(String topic) {
        TopicData data = topics.get(topic);
        if (data == null) {
            throw new IllegalArgumentException("unknown topic " + topic);
        }
        return data;
    }
}
