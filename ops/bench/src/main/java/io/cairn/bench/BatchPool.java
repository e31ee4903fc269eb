package io.cairn.bench;

import java.nio.ByteBuffer;
import java.util.Random;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.TimestampType;

/**
 * Record batches built once, before anything is timed: uncompressed RecordBatch v2 of at most {@code batchBytes}, each
 * record a random value of {@code valueBytes} and no key. {@link #records(int)} hands out a fresh {@link MemoryRecords}
 * view of a pooled buffer: the log assigns offsets in place (base offset, partition leader epoch: outside the CRC), so
 * reusing a buffer only overwrites the previous assignment.
 */
final class BatchPool {
    final int valueBytes;
    private final ByteBuffer[] batches;
    private final int[] counts;

    private BatchPool(int valueBytes, ByteBuffer[] batches, int[] counts) {
        this.valueBytes = valueBytes;
        this.batches = batches;
        this.counts = counts;
    }

    static BatchPool build(int valueBytes, int batchBytes, int poolSize, long seed) {
        Random rnd = new Random(seed);
        ByteBuffer[] batches = new ByteBuffer[poolSize];
        int[] counts = new int[poolSize];
        long ts = System.currentTimeMillis();
        for (int i = 0; i < poolSize; i++) {
            MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(batchBytes), Compression.NONE,
                    TimestampType.CREATE_TIME, 0L);
            int n = 0;
            while (true) {
                byte[] value = new byte[valueBytes];
                rnd.nextBytes(value);
                if (!b.hasRoomFor(ts, null, value, Record.EMPTY_HEADERS)) {
                    break;
                }
                b.append(ts, null, value);
                n++;
            }
            ByteBuffer built = b.build().buffer();
            ByteBuffer exact = ByteBuffer.allocate(built.remaining());
            exact.put(built).flip();
            batches[i] = exact;
            counts[i] = n;
        }
        return new BatchPool(valueBytes, batches, counts);
    }

    int size() {
        return batches.length;
    }

    /** A new MemoryRecords over pooled buffer {@code i % size}. */
    MemoryRecords records(int i) {
        return MemoryRecords.readableRecords(batches[i % batches.length].duplicate());
    }

    /** The raw bytes of pooled buffer {@code i % size}, positioned for writing. */
    ByteBuffer buffer(int i) {
        return batches[i % batches.length].duplicate();
    }

    int bytes(int i) {
        return batches[i % batches.length].remaining();
    }

    int count(int i) {
        return counts[i % counts.length];
    }

    double averageBatchBytes() {
        long sum = 0;
        for (ByteBuffer b : batches) {
            sum += b.remaining();
        }
        return (double) sum / batches.length;
    }

    double averageRecords() {
        long sum = 0;
        for (int c : counts) {
            sum += c;
        }
        return (double) sum / counts.length;
    }
}
