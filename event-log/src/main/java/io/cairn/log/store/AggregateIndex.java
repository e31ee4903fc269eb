package io.cairn.log.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import io.cairn.log.LogException;
import io.cairn.log.PartitionLog;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/**
 * One partition's aggregate index: aggregate id → last sequence number and the offsets of the batches holding its
 * events ("postings", each with the sequence of the aggregate's first event in that batch). Derived from the log
 * alone: it covers offsets [log start, {@link #indexedTo()}) and catches up by reading the log from there, whoever
 * appended (the store, a Kafka producer, REST).
 *
 * <p>Indexing rule: a record counts as an event of aggregate A when its key is A and its {@link EventHeaders#SEQUENCE}
 * header is A's last sequence + 1 (0 for a new aggregate). Records that break the sequence (a duplicate, a gap, no
 * header) are not indexed; conditional appends never write such records.
 *
 * <p>Thread-safety: every method must be called holding {@link #lock}.
 */
final class AggregateIndex implements AutoCloseable {
    /** Bytes read from the log per catch-up step. */
    private static final int CATCH_UP_READ_BYTES = 1 << 20;

    /** The postings of an aggregate from a requested sequence on, and its last sequence at the time of the lookup. */
    record Lookup(long lastSequence, long[] offsets, long[] firstSequences) {
        int size() {
            return offsets.length;
        }
    }

    final ReentrantLock lock = new ReentrantLock();
    private final PartitionLog log;
    private final Map<ByteBuffer, Entry> entries = new HashMap<>();
    private long indexedTo;

    private static final class Entry {
        long lastSequence = EventStore.NEW_AGGREGATE;
        long[] offsets = new long[2];
        long[] firstSequences = new long[2];
        int n;

        void add(long offset, long firstSequence) {
            if (n == offsets.length) {
                offsets = Arrays.copyOf(offsets, n * 2);
                firstSequences = Arrays.copyOf(firstSequences, n * 2);
            }
            offsets[n] = offset;
            firstSequences[n] = firstSequence;
            n++;
        }
    }

    AggregateIndex(PartitionLog log) {
        this.log = log;
        this.indexedTo = log.logStartOffset();
    }

    long indexedTo() {
        return indexedTo;
    }

    /** Indexes the log from {@link #indexedTo()} up to {@code upTo} (exclusive), as far as it is written. */
    void catchUp(long upTo) {
        while (indexedTo < upTo) {
            PartitionLog.ReadResult rr;
            try {
                rr = log.read(indexedTo, CATCH_UP_READ_BYTES, true, PartitionLog.ReadLimit.LOG_END);
            } catch (LogException.OffsetOutOfRangeException gone) {
                if (indexedTo >= log.logStartOffset()) {
                    throw gone;
                }
                indexedTo = log.logStartOffset(); // retention deleted what was not yet indexed
                continue;
            }
            if (rr.sizeInBytes() == 0) {
                return;
            }
            MemoryRecords records;
            try {
                records = EventCodec.inMemory(rr.records());
            } catch (IOException e) {
                throw new LogException.LogIoException("Cannot index " + log + ": " + e, e);
            }
            for (RecordBatch b : records.batches()) {
                if (b.lastOffset() < indexedTo) {
                    continue;
                }
                if (!b.isControlBatch()) {
                    for (Record r : b) {
                        if (r.offset() >= indexedTo) {
                            index(r, b.baseOffset());
                        }
                    }
                }
                indexedTo = b.lastOffset() + 1;
            }
        }
    }

    private void index(Record r, long batchBase) {
        if (!r.hasKey()) {
            return;
        }
        long seq = EventCodec.sequenceOf(r);
        if (seq < 0) {
            return;
        }
        byte[] key = new byte[r.keySize()];
        r.key().get(key);
        Entry e = entries.computeIfAbsent(ByteBuffer.wrap(key), k -> new Entry());
        if (seq != e.lastSequence + 1) {
            return;
        }
        if (e.n == 0 || e.offsets[e.n - 1] < batchBase) {
            e.add(r.offset(), seq);
        }
        e.lastSequence = seq;
    }

    /** The aggregate's last sequence among the indexed records. */
    long lastSequence(byte[] key) {
        Entry e = entries.get(ByteBuffer.wrap(key));
        return e == null ? EventStore.NEW_AGGREGATE : e.lastSequence;
    }

    /**
     * Records a batch just appended by the store (still under the partition's append lock): {@code count} events of
     * one aggregate at offsets {@code baseOffset..} with sequences {@code firstSequence..}. A no-op when a reader's
     * catch-up already indexed it.
     */
    void appended(byte[] key, long baseOffset, long lastOffset, long firstSequence) {
        if (indexedTo != baseOffset) {
            return;
        }
        Entry e = entries.computeIfAbsent(ByteBuffer.wrap(key.clone()), k -> new Entry());
        e.add(baseOffset, firstSequence);
        e.lastSequence = firstSequence + (lastOffset - baseOffset);
        indexedTo = lastOffset + 1;
    }

    /** The postings that may hold events with sequence ≥ {@code fromSequence}. */
    Lookup lookup(byte[] key, long fromSequence) {
        Entry e = entries.get(ByteBuffer.wrap(key));
        if (e == null || e.lastSequence < fromSequence) {
            return new Lookup(e == null ? EventStore.NEW_AGGREGATE : e.lastSequence, new long[0], new long[0]);
        }
        int i = Arrays.binarySearch(e.firstSequences, 0, e.n, fromSequence);
        int from = i >= 0 ? i : Math.max(0, -i - 2);
        return new Lookup(e.lastSequence, Arrays.copyOfRange(e.offsets, from, e.n), Arrays.copyOfRange(e.firstSequences, from, e.n));
    }

    @Override
    public void close() {
    }
}
