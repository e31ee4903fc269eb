package io.cairn.log.store;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The event store on the log: conditional appends and per-aggregate reads on aggregate topics.
 *
 * <p>An aggregate topic holds the events of one aggregate type. Each event is one record keyed by the aggregate id
 * (so all events of an aggregate live in one partition, in order), with headers naming the aggregate type, the
 * event's sequence number within its aggregate, its event type, payload revision and metadata (see
 * {@link EventHeaders}). Sequence numbers start at 0 and have no gaps.
 *
 * <p>Implementations: in-process on a {@code LogEngine} (the per-partition aggregate index makes {@link #read} touch
 * only the aggregate's own events), and remote ones speaking to a Cairn server. All methods are thread-safe.
 */
public interface EventStore {

    /** Expected sequence of an aggregate that has no events yet. */
    long NEW_AGGREGATE = -1;

    /** Expected sequence that skips the check: the events go after whatever the aggregate has. */
    long ANY = -2;

    /**
     * Appends {@code events} to the aggregate, atomically (all or none, contiguous), if its last sequence number is
     * {@code expectedSequence}. The events get sequence numbers {@code expectedSequence + 1, + 2, ...}.
     *
     * @throws ConcurrencyConflictException when the aggregate's last sequence number is not the expected one
     * @throws IllegalArgumentException     when events is empty or a name is invalid
     */
    AppendResult append(String topic, String aggregateId, long expectedSequence, List<EventData> events);

    /**
     * {@link #append} that gives up waiting after {@code timeoutMillis}: then the outcome is unknown (the events may
     * or may not be appended, and may still become durable). The default waits for {@link #appendAsync}; the
     * in-process store runs the append on the caller's thread (no thread switch, see docs/event-store.md), where only
     * the wait for an fsync another thread runs can time out, not an fsync the caller runs itself.
     *
     * @throws java.util.concurrent.TimeoutException when no outcome arrived in time
     */
    default AppendResult append(String topic, String aggregateId, long expectedSequence, List<EventData> events,
                                long timeoutMillis) throws java.util.concurrent.TimeoutException {
        try {
            return appendAsync(topic, aggregateId, expectedSequence, events).get(timeoutMillis,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.util.concurrent.TimeoutException("interrupted while waiting for the append");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new java.util.concurrent.CompletionException(e.getCause());
        }
    }

    /** {@link #append} without blocking the caller; conflicts complete the future exceptionally. */
    CompletableFuture<AppendResult> appendAsync(String topic, String aggregateId, long expectedSequence,
                                                List<EventData> events);

    /** The aggregate's events with sequence ≥ {@code fromSequence}, in sequence order; empty if it has none. */
    List<StoredEvent> read(String topic, String aggregateId, long fromSequence);

    /** The aggregate's last event, if any (used for snapshots and other latest-value-per-key state). */
    Optional<StoredEvent> readLast(String topic, String aggregateId);

    /** The aggregate's last sequence number, {@link #NEW_AGGREGATE} if it has no events. */
    long lastSequence(String topic, String aggregateId);

    /** Creates the topic as an aggregate topic if it does not exist (no-op otherwise). */
    void ensureTopic(String topic, int partitions, boolean compacted);

    /** Number of partitions of the topic. */
    int partitionCount(String topic);

    /** The partition's next offset to be written (its high watermark): a reader at this offset is caught up. */
    long endOffset(String topic, int partition);

    /**
     * Events stored in one partition from {@code fromOffset} on, in offset order, at most {@code maxEvents}; waits up
     * to {@code maxWaitMillis} for the first one when there is none yet. The basis of tracking processors.
     */
    List<StoredEvent> readPartition(String topic, int partition, long fromOffset, int maxEvents, long maxWaitMillis);
}
