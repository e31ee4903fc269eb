package io.cairn.log.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.cairn.log.PartitionLog;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Conditional appends that arrive as Kafka record batches. The producer puts {@link EventHeaders#EXPECTED_SEQUENCE}
 * (decimal, -1 for a new aggregate) on the first record; every record of the batch must have the same key (the
 * aggregate id). Records may carry {@link EventHeaders#SEQUENCE}; if they do it must be expected + 1 + their index,
 * otherwise the broker adds it. The expected-sequence header is a request header: it is not stored.
 */
final class RemoteAppend {
    private RemoteAppend() {
    }

    /** The batch as a conditional append, or null if its first record has no expected-sequence header. */
    static LogEventStore.Conditional conditional(PartitionLog log, MemoryRecords records, LogEventStore.GuardFactory guards) {
        // Every produce passes here: look at the first record only (streamed, so a compressed batch is not inflated
        // whole) and leave unless it carries the expected sequence.
        java.util.Iterator<? extends RecordBatch> batches = records.batches().iterator();
        if (!batches.hasNext()) {
            return null;
        }
        RecordBatch first = batches.next();
        Header expectedHeader;
        try (org.apache.kafka.common.utils.CloseableIterator<Record> it =
                     first.streamingIterator(org.apache.kafka.common.utils.BufferSupplier.NO_CACHING)) {
            if (!it.hasNext()) {
                return null;
            }
            expectedHeader = header(it.next(), EventHeaders.EXPECTED_SEQUENCE);
        }
        if (expectedHeader == null) {
            return null;
        }
        if (batches.hasNext()) {
            throw new IllegalArgumentException("A conditional append must be one record batch");
        }
        List<Record> all = new ArrayList<>();
        for (Record r : first) {
            all.add(r);
        }
        long expected = parseExpected(expectedHeader.value());
        Record r0 = all.get(0);
        if (!r0.hasKey() || r0.keySize() == 0) {
            throw new IllegalArgumentException("A conditional append needs the aggregate id as the record key");
        }
        byte[] key = new byte[r0.keySize()];
        r0.key().duplicate().get(key);
        String aggregateId = new String(key, StandardCharsets.UTF_8);
        EventCodec.key(aggregateId); // the same limits as in-process appends
        MemoryRecordsBuilder out = MemoryRecords.builder(ByteBuffer.allocate(Math.max(256, records.sizeInBytes() + 64 * all.size())),
                RecordBatch.MAGIC_VALUE_V2, Compression.of(first.compressionType()).build(), first.timestampType(), 0L,
                RecordBatch.NO_TIMESTAMP, first.producerId(), first.producerEpoch(), first.baseSequence(), false,
                RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (int i = 0; i < all.size(); i++) {
            Record r = all.get(i);
            if (!EventCodec.keyEquals(r, key)) {
                throw new IllegalArgumentException("Every record of a conditional append must have the key '" + aggregateId
                        + "'; record " + i + " has another");
            }
            long sequence = expected + 1 + i;
            List<Header> headers = new ArrayList<>();
            boolean hasType = false;
            for (Header h : r.headers()) {
                switch (h.key()) {
                    case EventHeaders.EXPECTED_SEQUENCE -> {
                        if (i > 0) {
                            throw new IllegalArgumentException("Only the first record of a conditional append may carry "
                                    + EventHeaders.EXPECTED_SEQUENCE);
                        }
                    }
                    case EventHeaders.SEQUENCE -> {
                        if (EventCodec.parseNonNegative(h.value()) != sequence) {
                            throw new IllegalArgumentException("Record " + i + " carries " + EventHeaders.SEQUENCE + " "
                                    + text(h.value()) + " but follows expected sequence " + expected + ": it must be " + sequence);
                        }
                    }
                    case EventHeaders.AGGREGATE_TYPE -> {
                        hasType = true;
                        headers.add(h);
                    }
                    default -> headers.add(h);
                }
            }
            List<Header> stamped = new ArrayList<>(headers.size() + 2);
            if (!hasType) {
                stamped.add(new RecordHeader(EventHeaders.AGGREGATE_TYPE, log.topic().getBytes(StandardCharsets.UTF_8)));
            }
            stamped.add(new RecordHeader(EventHeaders.SEQUENCE, Long.toString(sequence).getBytes(StandardCharsets.UTF_8)));
            stamped.addAll(headers);
            out.appendWithOffset(i, r.timestamp(), bytes(r.key()), r.hasValue() ? bytes(r.value()) : null,
                    stamped.toArray(new Header[0]));
        }
        MemoryRecords rebuilt = out.build();
        return new LogEventStore.Conditional(rebuilt, guards.guard(key, aggregateId, expected));
    }

    private static Header header(Record r, String name) {
        for (Header h : r.headers()) {
            if (name.equals(h.key())) {
                return h;
            }
        }
        return null;
    }

    private static long parseExpected(byte[] value) {
        if (value != null && Arrays.equals(value, "-1".getBytes(StandardCharsets.UTF_8))) {
            return EventStore.NEW_AGGREGATE;
        }
        long v = EventCodec.parseNonNegative(value);
        if (v < 0) {
            throw new IllegalArgumentException(EventHeaders.EXPECTED_SEQUENCE + " must be -1 (new aggregate) or a sequence"
                    + " number >= 0, not '" + text(value) + "'");
        }
        return v;
    }

    private static String text(byte[] b) {
        return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
