package io.cairn.log.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import io.cairn.log.LogEngine;
import io.cairn.log.LogException;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/**
 * The event store in the same JVM as the log: {@link EventStore} on a {@link LogEngine}.
 *
 * <p>An append encodes the events as one record batch ({@link EventCodec}) and appends it to the aggregate's partition
 * with a guard that runs under the partition's append lock: it brings the partition's {@link AggregateIndex} up to the
 * log end and vetoes the append if the aggregate's last sequence is not the expected one. So the check and the write
 * are one atomic step, whoever else appends to the partition. The append returns once the batch is durable under the
 * topic's flush policy (by default fsynced; concurrent appenders share one fsync, see docs/event-store.md).
 *
 * <p>There is one store per engine ({@link #of}), because the indexes it keeps per partition must have one owner: the
 * Kafka listener and REST resources reach the same instance. Design notes: docs/event-store.md.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class LogEventStore implements EventStore, AutoCloseable {
    /** Retries of an {@link EventStore#ANY} append that lost a race (each loss means another append went in). */
    private static final int MAX_ANY_RETRIES = 1_000;
    /** Bytes read per step when loading an aggregate (the first step of a load reads less) or reading a partition. */
    private static final int READ_BYTES = 1 << 20;
    private static final int FIRST_READ_BYTES = 16 * 1024;
    private static final long CHECKPOINT_CHECK_MS = 1_000;

    private final LogEngine engine;
    private final Map<PartitionLog, AggregateIndex> indexes = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private LogEventStore(LogEngine engine) {
        this.engine = engine;
        // Checkpoints off the append path, on the engine's scheduler: see AggregateIndex.checkpointDue.
        engine.scheduleDuty(this::checkpointDue, CHECKPOINT_CHECK_MS);
    }

    private void checkpointDue() {
        for (AggregateIndex index : indexes.values()) {
            maybeCheckpoint(index);
        }
    }

    /** The engine's event store (created on first use, closed with the engine). */
    public static LogEventStore of(LogEngine engine) {
        return engine.extension(LogEventStore.class, LogEventStore::new);
    }

    // ------------------------------------------------------------------------------------------------ append

    @Override
    public AppendResult append(String topic, String aggregateId, long expectedSequence, List<EventData> events) {
        try {
            return append(topic, aggregateId, expectedSequence, events, Long.MAX_VALUE);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("an append without a timeout timed out", e);
        }
    }

    /** {@inheritDoc} Runs on the caller's thread: see {@link PartitionLog#appendAndAwait(MemoryRecords, PartitionLog.AppendGuard, long)}. */
    @Override
    public AppendResult append(String topic, String aggregateId, long expectedSequence, List<EventData> events,
                               long timeoutMillis) throws java.util.concurrent.TimeoutException {
        long timeoutNanos = timeoutMillis >= Long.MAX_VALUE / 1_000_000 ? Long.MAX_VALUE : timeoutMillis * 1_000_000;
        byte[] key = EventCodec.key(aggregateId);
        EventCodec.checkEvents(events, expectedSequence);
        Target t = target(topic, key);
        for (int attempt = 0; ; attempt++) {
            long expected = expectedSequence == ANY ? currentLastSequence(t.index, t.log, key) : expectedSequence;
            try {
                // Durable waiters rather than the engine's lock-based group commit: see docs/event-store.md.
                PartitionLog.AppendResult r = t.log.appendAndAwait(records(topic, key, expected, events),
                        guard(t, aggregateId, key, expected), timeoutNanos);
                return new AppendResult(t.partition, r.baseOffset(), r.lastOffset(), expected + events.size());
            } catch (ConcurrencyConflictException c) {
                if (expectedSequence != ANY || attempt >= MAX_ANY_RETRIES) {
                    throw c;
                } // lost the race to another writer: place the events after its
            }
        }
    }

    @Override
    public CompletableFuture<AppendResult> appendAsync(String topic, String aggregateId, long expectedSequence,
                                                       List<EventData> events) {
        try {
            byte[] key = EventCodec.key(aggregateId);
            EventCodec.checkEvents(events, expectedSequence);
            Target t = target(topic, key);
            for (int attempt = 0; ; attempt++) {
                long expected = expectedSequence == ANY ? currentLastSequence(t.index, t.log, key) : expectedSequence;
                CompletableFuture<PartitionLog.AppendResult> written =
                        t.log.appendAsync(records(topic, key, expected, events), guard(t, aggregateId, key, expected));
                if (expectedSequence == ANY && attempt < MAX_ANY_RETRIES && written.isCompletedExceptionally()
                        && causeOf(written) instanceof ConcurrencyConflictException) {
                    continue; // lost the race to another writer: place the events after its
                }
                long last = expected + events.size();
                return written.thenApply(r -> new AppendResult(t.partition, r.baseOffset(), r.lastOffset(), last));
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Where an aggregate's events go. */
    private record Target(int partition, PartitionLog log, AggregateIndex index) {
    }

    private Target target(String topic, byte[] key) {
        Topic t = engine.requireTopic(topic);
        int partition = EventCodec.partitionFor(key, t.partitionCount());
        PartitionLog log = t.partition(partition);
        return new Target(partition, log, index(log));
    }

    private MemoryRecords records(String topic, byte[] key, long expected, List<EventData> events) {
        return EventCodec.encode(topic, key, expected + 1, events, engine.config().clock().millis());
    }

    private static Guard guard(Target t, String aggregateId, byte[] key, long expected) {
        return new Guard(t.log.topic(), aggregateId, key, expected, t.index);
    }

    private static Throwable causeOf(CompletableFuture<?> failed) {
        try {
            failed.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    /** Checks the expected sequence under the append lock and records the appended batch in the index. */
    private static final class Guard implements PartitionLog.AppendGuard {
        private final String topic;
        private final String aggregateId;
        private final byte[] key;
        private final long expected;
        private final AggregateIndex index;

        Guard(String topic, String aggregateId, byte[] key, long expected, AggregateIndex index) {
            this.topic = topic;
            this.aggregateId = aggregateId;
            this.key = key;
            this.expected = expected;
            this.index = index;
        }

        @Override
        public void check(long baseOffset) {
            index.lock.lock();
            try {
                index.catchUp(baseOffset);
                long actual = index.lastSequence(key);
                if (actual != expected) {
                    throw new ConcurrencyConflictException(topic, aggregateId, expected, actual);
                }
            } finally {
                index.lock.unlock();
            }
        }

        @Override
        public void appended(long baseOffset, long lastOffset) {
            index.lock.lock();
            try {
                index.appended(key, baseOffset, lastOffset, expected + 1);
            } finally {
                index.lock.unlock();
            }
        }
    }

    // ------------------------------------------------------------------------------------- remote conditional

    /** A produced batch made into a conditional append: the batch to write and the guard to write it with. */
    public record Conditional(MemoryRecords records, PartitionLog.AppendGuard guard) {
    }

    /**
     * For the Kafka listener: if the first record of {@code records} carries {@link EventHeaders#EXPECTED_SEQUENCE},
     * the produce is a conditional append of the whole batch (see docs/event-store.md), returned ready to append;
     * otherwise null. The batch is re-encoded without that request header and with the store's headers stamped on
     * each record (sequence, aggregate type); producer id, epoch and sequence are kept, so idempotent retries work.
     *
     * @throws IllegalArgumentException when the batch cannot be a conditional append (keys differ or are missing, a
     *                                  sequence header disagrees, the aggregate belongs to another partition)
     */
    public Conditional conditional(PartitionLog log, MemoryRecords records) {
        return RemoteAppend.conditional(log, records, (key, id, expected) -> {
            int home = EventCodec.partitionFor(key, engine.requireTopic(log.topic()).partitionCount());
            if (home != log.partition()) {
                throw new IllegalArgumentException("Aggregate '" + id + "' lives in partition " + home + " of " + log.topic()
                        + " (Kafka's default partitioner), not in partition " + log.partition());
            }
            return new Guard(log.topic(), id, key, expected, index(log));
        });
    }

    /** Makes the guard of a conditional append (for {@link RemoteAppend}). */
    interface GuardFactory {
        PartitionLog.AppendGuard guard(byte[] key, String aggregateId, long expected);
    }

    private AggregateIndex index(PartitionLog log) {
        if (closed) {
            throw new LogException.LogClosedException("The event store is closed");
        }
        AggregateIndex index = indexes.get(log);
        if (index == null) {
            dropIndexesOfDeletedPartitions();
            index = indexes.computeIfAbsent(log, l -> AggregateIndex.open(l, engine.config().clock()));
        }
        return index;
    }

    /** Closes the indexes of partitions no longer in the engine (their topic was deleted, maybe created anew). */
    private void dropIndexesOfDeletedPartitions() {
        for (PartitionLog log : List.copyOf(indexes.keySet())) {
            boolean live = engine.topic(log.topic()).map(t -> t.partitions().contains(log)).orElse(false);
            if (!live) {
                AggregateIndex gone = indexes.remove(log);
                if (gone != null) {
                    gone.lock.lock();
                    try {
                        gone.discard();
                    } finally {
                        gone.lock.unlock();
                    }
                }
            }
        }
    }

    /** Takes a due checkpoint of the index, unless someone else holds it (then a later call will). */
    private static void maybeCheckpoint(AggregateIndex index) {
        if (index.lock.tryLock()) {
            try {
                if (index.checkpointDue()) {
                    index.checkpoint();
                }
            } finally {
                index.lock.unlock();
            }
        }
    }

    private static long currentLastSequence(AggregateIndex index, PartitionLog log, byte[] key) {
        index.lock.lock();
        try {
            index.catchUp(log.logEndOffset());
            return index.lastSequence(key);
        } finally {
            index.lock.unlock();
        }
    }

    // -------------------------------------------------------------------------------------------------- read

    @Override
    public List<StoredEvent> read(String topic, String aggregateId, long fromSequence) {
        byte[] key = EventCodec.key(aggregateId);
        PartitionLog log = partitionOf(topic, key);
        AggregateIndex.Lookup lookup = lookup(log, key, Math.max(0, fromSequence));
        return readEvents(log, key, lookup, Math.max(0, fromSequence));
    }

    @Override
    public Optional<StoredEvent> readLast(String topic, String aggregateId) {
        byte[] key = EventCodec.key(aggregateId);
        PartitionLog log = partitionOf(topic, key);
        AggregateIndex index = index(log);
        long last;
        index.lock.lock();
        try {
            index.catchUp(log.highWatermark());
            last = index.lastSequence(key);
        } finally {
            index.lock.unlock();
        }
        if (last < 0) {
            return Optional.empty();
        }
        List<StoredEvent> events = readEvents(log, key, lookup(log, key, last), last);
        return events.isEmpty() ? Optional.empty() : Optional.of(events.get(events.size() - 1));
    }

    @Override
    public long lastSequence(String topic, String aggregateId) {
        byte[] key = EventCodec.key(aggregateId);
        PartitionLog log = partitionOf(topic, key);
        AggregateIndex index = index(log);
        index.lock.lock();
        try {
            index.catchUp(log.highWatermark());
            return index.lastSequence(key);
        } finally {
            index.lock.unlock();
        }
    }

    private PartitionLog partitionOf(String topic, byte[] key) {
        Topic t = engine.requireTopic(topic);
        return t.partition(EventCodec.partitionFor(key, t.partitionCount()));
    }

    private AggregateIndex.Lookup lookup(PartitionLog log, byte[] key, long fromSequence) {
        AggregateIndex index = index(log);
        index.lock.lock();
        try {
            index.catchUp(log.highWatermark());
            return index.lookup(key, fromSequence);
        } finally {
            index.lock.unlock();
        }
    }

    /**
     * Reads the batches the postings name. Postings close together in the log are served by one read; the reads start
     * small (most aggregates are short) and double while postings remain. Batches of other aggregates in between are
     * skipped by their headers. The reads take the fetch path, which serves bytes already verified in this process
     * without scanning them again and may end inside a batch (that batch is read again by the next read).
     */
    private List<StoredEvent> readEvents(PartitionLog log, byte[] key, AggregateIndex.Lookup lookup, long fromSequence) {
        List<StoredEvent> out = new ArrayList<>(Math.max(4, (int) Math.min(1 << 16, lookup.lastSequence() - fromSequence + 1)));
        int i = 0;
        long nextSequence = -1;
        int readBytes = FIRST_READ_BYTES;
        String aggregateId = new String(key, StandardCharsets.UTF_8);
        EventCodec.Decoder decoder = new EventCodec.Decoder(log.topic(), log.partition(), aggregateId);
        PlainBatchReader plain = new PlainBatchReader(log.topic(), log.partition(), aggregateId, key);
        while (i < lookup.size()) {
            long offset = lookup.offsets()[i];
            ByteBuffer chunk;
            try {
                chunk = EventCodec.read(log.fetch(offset, readBytes, true).records());
            } catch (LogException.OffsetOutOfRangeException deleted) {
                i++; // retention removed this batch (see docs/event-store.md); sequences resume at the next posting
                nextSequence = -1;
                continue;
            } catch (IOException e) {
                throw new LogException.LogIoException("Cannot read " + log + ": " + e, e);
            }
            readBytes = Math.min(readBytes * 2, READ_BYTES);
            boolean progressed = false;
            // Walks the batch headers; only batches holding a posting are parsed (see EventCodec.BATCH_* offsets).
            int pos = chunk.position();
            int limit = chunk.limit();
            while (i < lookup.size() && limit - pos >= EventCodec.BATCH_HEADER_SIZE) {
                int size = EventCodec.batchSize(chunk, pos);
                if (size < EventCodec.BATCH_HEADER_SIZE || size > limit - pos) {
                    break; // the incomplete batch a fetch may end with: the next read starts at it
                }
                long lastOffset = EventCodec.batchLastOffset(chunk, pos);
                if (lastOffset >= lookup.offsets()[i]) {
                    if (nextSequence < 0) {
                        nextSequence = lookup.firstSequences()[i];
                    }
                    while (i < lookup.size() && lookup.offsets()[i] <= lastOffset) {
                        i++;
                    }
                    progressed = true;
                    if (PlainBatchReader.readable(chunk, pos)) {
                        nextSequence = plain.read(chunk, pos, size, nextSequence, lookup.lastSequence(), fromSequence, out);
                        pos += size;
                        continue;
                    }
                    for (Record r : EventCodec.batchAt(chunk, pos, size)) {
                        if (!EventCodec.keyEquals(r, key)) {
                            continue;
                        }
                        long seq = EventCodec.sequenceOf(r);
                        // Skips duplicates; after compaction removed events, resumes at the next one that survived.
                        if (seq < nextSequence || seq > lookup.lastSequence()) {
                            continue;
                        }
                        nextSequence = seq + 1;
                        if (seq >= fromSequence) {
                            out.add(decoder.decode(r));
                        }
                    }
                }
                pos += size;
            }
            if (!progressed) {
                i++; // the posting's batch is gone (compaction removed all of it): go on with the next one
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ topics

    @Override
    public void ensureTopic(String topic, int partitions, boolean compacted) {
        if (engine.topic(topic).isPresent()) {
            return;
        }
        Map<String, String> configs = EventRecords.topicConfigs(compacted);
        try {
            engine.createTopic(topic, partitions, configs);
        } catch (LogException.TopicExistsException raced) {
            // created by someone else meanwhile: fine
        } catch (LogException.InvalidConfigException bad) {
            throw new IllegalArgumentException(bad.getMessage(), bad);
        }
    }

    @Override
    public int partitionCount(String topic) {
        return engine.requireTopic(topic).partitionCount();
    }

    @Override
    public long endOffset(String topic, int partition) {
        return engine.partition(topic, partition).highWatermark();
    }

    @Override
    public List<StoredEvent> readPartition(String topic, int partition, long fromOffset, int maxEvents, long maxWaitMillis) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be >= 1, not " + maxEvents);
        }
        PartitionLog log = engine.partition(topic, partition);
        long from = Math.max(fromOffset, log.logStartOffset());
        if (log.highWatermark() <= from && maxWaitMillis > 0) {
            awaitAppend(log, from, maxWaitMillis);
        }
        List<StoredEvent> out = new ArrayList<>();
        while (out.size() < maxEvents && from < log.highWatermark()) {
            MemoryRecords records;
            try {
                records = EventCodec.inMemory(log.read(from, READ_BYTES, true, PartitionLog.ReadLimit.HIGH_WATERMARK).records());
            } catch (LogException.OffsetOutOfRangeException deleted) {
                from = log.logStartOffset();
                continue;
            } catch (IOException e) {
                throw new LogException.LogIoException("Cannot read " + log + ": " + e, e);
            }
            if (records.sizeInBytes() == 0) {
                break;
            }
            for (RecordBatch b : records.batches()) {
                if (!b.isControlBatch()) {
                    for (Record r : b) {
                        if (r.offset() >= from && out.size() < maxEvents) {
                            out.add(EventCodec.decode(topic, partition, r));
                        }
                    }
                }
                from = out.size() < maxEvents ? b.lastOffset() + 1 : from;
                if (out.size() >= maxEvents) {
                    break;
                }
            }
        }
        return out;
    }

    private static void awaitAppend(PartitionLog log, long offset, long maxWaitMillis) {
        CountDownLatch appended = new CountDownLatch(1);
        LongConsumer listener = end -> {
            if (end > offset) {
                appended.countDown();
            }
        };
        log.addAppendListener(listener);
        try {
            if (log.highWatermark() <= offset) {
                appended.await(maxWaitMillis, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            log.removeAppendListener(listener);
        }
    }

    /** Checkpoints and closes every aggregate index (the engine calls this before it closes the partitions). */
    @Override
    public void close() {
        closed = true;
        for (AggregateIndex index : indexes.values()) {
            index.lock.lock();
            try {
                index.close();
            } catch (LogException e) {
                org.slf4j.LoggerFactory.getLogger(LogEventStore.class).warn("Closing {} failed: {}", index, e.getMessage());
            } finally {
                index.lock.unlock();
            }
        }
        indexes.clear();
    }

    /** The index of a partition, for tests in this package. */
    AggregateIndex indexOf(String topic, int partition) {
        return index(engine.partition(topic, partition));
    }

    @Override
    public String toString() {
        return "LogEventStore(" + engine.dataDir() + ")";
    }
}
