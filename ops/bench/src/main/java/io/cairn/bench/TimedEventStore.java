package io.cairn.bench;

import io.cairn.log.store.AppendResult;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;
import org.HdrHistogram.Recorder;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An {@link EventStore} that records how long each append takes from the call until it is durable (the append
 * latency, apart from loading and deciding), for {@link SdkBench}. Everything else goes straight to the delegate.
 */
final class TimedEventStore implements EventStore {

    private final EventStore delegate;
    private final Recorder appends = new Recorder(3);

    TimedEventStore(EventStore delegate) {
        this.delegate = delegate;
    }

    /** Append latencies (ns) recorded since the last call. */
    org.HdrHistogram.Histogram appendLatencies() {
        return appends.getIntervalHistogram();
    }

    @Override
    public AppendResult append(String topic, String aggregateId, long expectedSequence, List<EventData> events) {
        long t0 = System.nanoTime();
        AppendResult result = delegate.append(topic, aggregateId, expectedSequence, events);
        appends.recordValue(System.nanoTime() - t0);
        return result;
    }

    @Override
    public AppendResult append(String topic, String aggregateId, long expectedSequence, List<EventData> events,
                               long timeoutMillis) throws java.util.concurrent.TimeoutException {
        long t0 = System.nanoTime();
        AppendResult result = delegate.append(topic, aggregateId, expectedSequence, events, timeoutMillis);
        appends.recordValue(System.nanoTime() - t0);
        return result;
    }

    @Override
    public CompletableFuture<AppendResult> appendAsync(String topic, String aggregateId, long expectedSequence,
                                                       List<EventData> events) {
        long t0 = System.nanoTime();
        return delegate.appendAsync(topic, aggregateId, expectedSequence, events).whenComplete((r, e) -> {
            if (e == null) {
                appends.recordValue(System.nanoTime() - t0);
            }
        });
    }

    @Override public List<StoredEvent> read(String topic, String aggregateId, long fromSequence) {
        return delegate.read(topic, aggregateId, fromSequence);
    }

    @Override public Optional<StoredEvent> readLast(String topic, String aggregateId) {
        return delegate.readLast(topic, aggregateId);
    }

    @Override public long lastSequence(String topic, String aggregateId) {
        return delegate.lastSequence(topic, aggregateId);
    }

    @Override public void ensureTopic(String topic, int partitions, boolean compacted) {
        delegate.ensureTopic(topic, partitions, compacted);
    }

    @Override public int partitionCount(String topic) {
        return delegate.partitionCount(topic);
    }

    @Override public long endOffset(String topic, int partition) {
        return delegate.endOffset(topic, partition);
    }

    @Override public List<StoredEvent> readPartition(String topic, int partition, long fromOffset, int maxEvents,
                                                     long maxWaitMillis) {
        return delegate.readPartition(topic, partition, fromOffset, maxEvents, maxWaitMillis);
    }
}
