package io.cairn.log.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Utils;

/**
 * Aggregate events as Kafka records. One event is one record: key = aggregate id (UTF-8), value = payload, timestamp
 * = append time (CreateTime), headers as listed in {@link EventHeaders} (UTF-8 text, numbers in decimal). The events
 * of one append are one record batch, uncompressed, so they become visible and durable together.
 *
 * <p>Partitioning is Kafka's default for keyed records (murmur2 of the key bytes, made positive, modulo the
 * partition count), so a Kafka producer writing aggregate events and the store agree on where an aggregate lives.
 */
final class EventCodec {
    /** Limits on what a caller may append; the batch as a whole is also bounded by the topic's max.message.bytes. */
    static final int MAX_AGGREGATE_ID_BYTES = 1024;
    static final int MAX_EVENTS_PER_APPEND = 10_000;
    static final int MAX_NAME_CHARS = 256;

    private EventCodec() {
    }

    static int partitionFor(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    static byte[] key(String aggregateId) {
        if (aggregateId == null || aggregateId.isBlank()) {
            throw new IllegalArgumentException("The aggregate id must not be empty");
        }
        byte[] key = aggregateId.getBytes(StandardCharsets.UTF_8);
        if (key.length > MAX_AGGREGATE_ID_BYTES) {
            throw new IllegalArgumentException("The aggregate id is " + key.length + " bytes long; at most "
                    + MAX_AGGREGATE_ID_BYTES + " are allowed");
        }
        return key;
    }

    static void checkEvents(List<EventData> events, long expectedSequence) {
        if (events == null || events.isEmpty()) {
            throw new IllegalArgumentException("An append needs at least one event");
        }
        if (events.size() > MAX_EVENTS_PER_APPEND) {
            throw new IllegalArgumentException("An append takes at most " + MAX_EVENTS_PER_APPEND + " events, not " + events.size());
        }
        if (expectedSequence < EventStore.ANY) {
            throw new IllegalArgumentException("The expected sequence must be >= -2 (-1: new aggregate, -2: any), not "
                    + expectedSequence);
        }
        for (int i = 0; i < events.size(); i++) {
            EventData e = events.get(i);
            if (e == null) {
                throw new IllegalArgumentException("Event " + i + " is null");
            }
            checkName("event type of event " + i, e.eventType());
            for (String k : e.metadata().keySet()) {
                checkName("metadata key of event " + i, k);
            }
        }
    }

    private static void checkName(String what, String name) {
        if (name.isBlank() || name.length() > MAX_NAME_CHARS || name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("Invalid " + what + " '" + name + "': 1 to " + MAX_NAME_CHARS
                    + " characters, not blank, no control characters");
        }
    }

    /** The events as one batch (base offset 0; the log assigns offsets), sequences from {@code firstSequence}. */
    static MemoryRecords encode(String aggregateType, byte[] key, long firstSequence, List<EventData> events, long timestamp) {
        SimpleRecord[] records = new SimpleRecord[events.size()];
        for (int i = 0; i < records.length; i++) {
            EventData e = events.get(i);
            List<Header> headers = new ArrayList<>(5 + e.metadata().size());
            headers.add(header(EventHeaders.AGGREGATE_TYPE, aggregateType));
            headers.add(header(EventHeaders.SEQUENCE, Long.toString(firstSequence + i)));
            headers.add(header(EventHeaders.EVENT_TYPE, e.eventType()));
            headers.add(header(EventHeaders.REVISION, Integer.toString(e.revision())));
            e.metadata().forEach((k, v) -> headers.add(header(metadataHeader(k), v)));
            records[i] = new SimpleRecord(timestamp, key, e.payload(), headers.toArray(new Header[0]));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    static String metadataHeader(String key) {
        return switch (key) {
            case EventHeaders.CORRELATION_KEY -> EventHeaders.CORRELATION_ID;
            case EventHeaders.CAUSATION_KEY -> EventHeaders.CAUSATION_ID;
            default -> EventHeaders.META_PREFIX + key;
        };
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }

    /** The record's {@link EventHeaders#SEQUENCE}, or -1 when it has none or it is not a number ≥ 0. */
    static long sequenceOf(Record r) {
        for (Header h : r.headers()) {
            if (EventHeaders.SEQUENCE.equals(h.key())) {
                return parseNonNegative(h.value());
            }
        }
        return -1;
    }

    static long parseNonNegative(byte[] text) {
        if (text == null || text.length == 0 || text.length > 18) {
            return -1;
        }
        long v = 0;
        for (byte b : text) {
            if (b < '0' || b > '9') {
                return -1;
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }

    /** Whether the record's key equals {@code key}, without copying it. */
    static boolean keyEquals(Record r, byte[] key) {
        if (!r.hasKey() || r.keySize() != key.length) {
            return false;
        }
        ByteBuffer k = r.key();
        for (int i = 0; i < key.length; i++) {
            if (k.get(k.position() + i) != key[i]) {
                return false;
            }
        }
        return true;
    }

    /** A stored record as an event; headers the store did not write are kept as metadata under their own names. */
    static StoredEvent decode(String topic, int partition, Record r) {
        return new Decoder(topic, partition).decode(r);
    }

    /**
     * Decodes the records of one read: repeated header values (the aggregate type, event types) become one String
     * each instead of one per event.
     */
    static final class Decoder {
        private final String topic;
        private final byte[] topicBytes;
        private final int partition;
        private byte[] lastType;
        private String lastTypeText;

        /** The id of the one aggregate whose records this decoder sees, or null when they may be any aggregate's. */
        private final String aggregateId;

        Decoder(String topic, int partition) {
            this(topic, partition, null);
        }

        Decoder(String topic, int partition, String aggregateId) {
            this.topic = topic;
            this.topicBytes = topic.getBytes(StandardCharsets.UTF_8);
            this.partition = partition;
            this.aggregateId = aggregateId;
        }

        StoredEvent decode(Record r) {
            String aggregateType = topic;
            long sequence = -1;
            String eventType = null;
            int revision = 0;
            String metaKey = null;
            String metaValue = null;
            Map<String, String> metadata = null;
            for (Header h : r.headers()) {
                String k = h.key();
                byte[] value = h.value();
                switch (k) {
                    case EventHeaders.AGGREGATE_TYPE -> aggregateType = value == null || Arrays.equals(value, topicBytes) ? topic
                            : new String(value, StandardCharsets.UTF_8);
                    case EventHeaders.SEQUENCE -> sequence = parseNonNegative(value);
                    case EventHeaders.EVENT_TYPE -> eventType = eventType(value);
                    case EventHeaders.REVISION -> revision = (int) Math.min(Integer.MAX_VALUE, Math.max(0, parseNonNegative(value)));
                    case EventHeaders.EXPECTED_SEQUENCE -> { } // a request header, not part of the event
                    default -> {
                        if (value == null) {
                            continue;
                        }
                        if (metaKey == null) { // most events carry one or two entries: no map until a second one
                            metaKey = metadataKey(k);
                            metaValue = new String(value, StandardCharsets.UTF_8);
                        } else {
                            if (metadata == null) {
                                metadata = new HashMap<>();
                                metadata.put(metaKey, metaValue);
                            }
                            metadata.put(metadataKey(k), new String(value, StandardCharsets.UTF_8));
                        }
                    }
                }
            }
            String id = aggregateId != null ? aggregateId : r.hasKey() ? StandardCharsets.UTF_8.decode(r.key()).toString() : null;
            byte[] payload = null;
            if (r.hasValue()) {
                payload = new byte[r.valueSize()];
                r.value().get(payload);
            }
            return new StoredEvent(aggregateType, id, sequence, eventType, revision, payload,
                    metadata != null ? Map.copyOf(metadata) : metaKey != null ? Map.of(metaKey, metaValue) : Map.of(),
                    r.timestamp(), partition, r.offset());
        }

        private String eventType(byte[] value) {
            if (value == null) {
                return null;
            }
            if (!Arrays.equals(value, lastType)) {
                lastType = value;
                lastTypeText = new String(value, StandardCharsets.UTF_8);
            }
            return lastTypeText;
        }
    }

    // Record batch v2 header fields used to skip batches without parsing them (Kafka's DefaultRecordBatch layout).
    private static final int BATCH_LENGTH_OFFSET = 8;
    private static final int BATCH_LOG_OVERHEAD = 12;
    private static final int BATCH_LAST_OFFSET_DELTA_OFFSET = 23;
    static final int BATCH_HEADER_SIZE = 61;

    /** Size of the batch at {@code pos}, its size prefix included. */
    static int batchSize(ByteBuffer buf, int pos) {
        return BATCH_LOG_OVERHEAD + buf.getInt(pos + BATCH_LENGTH_OFFSET);
    }

    static long batchLastOffset(ByteBuffer buf, int pos) {
        return buf.getLong(pos) + buf.getInt(pos + BATCH_LAST_OFFSET_DELTA_OFFSET);
    }

    /** The records of the batch at {@code pos} (decompressed if need be). */
    static RecordBatch batchAt(ByteBuffer buf, int pos, int size) {
        ByteBuffer slice = buf.duplicate();
        slice.limit(pos + size).position(pos);
        return MemoryRecords.readableRecords(slice.slice()).batches().iterator().next();
    }

    private static final int REUSED_BUFFER_BYTES = 1 << 20;
    private static final ThreadLocal<ByteBuffer> READ_BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(REUSED_BUFFER_BYTES));

    /**
     * The bytes of a read, in memory: a file slice is read with one positional read into a per-thread buffer, valid
     * until this thread's next call (decoded events copy what they keep).
     */
    static ByteBuffer read(Records records) throws IOException {
        if (records instanceof MemoryRecords m) {
            return m.buffer().duplicate();
        }
        FileRecords f = (FileRecords) records;
        ByteBuffer buf = f.sizeInBytes() <= REUSED_BUFFER_BYTES ? READ_BUFFER.get() : ByteBuffer.allocate(f.sizeInBytes());
        buf.clear().limit(f.sizeInBytes());
        f.readInto(buf, 0);
        return buf;
    }

    static String metadataKey(String header) {
        return switch (header) {
            case EventHeaders.CORRELATION_ID -> EventHeaders.CORRELATION_KEY;
            case EventHeaders.CAUSATION_ID -> EventHeaders.CAUSATION_KEY;
            default -> header.startsWith(EventHeaders.META_PREFIX) ? header.substring(EventHeaders.META_PREFIX.length()) : header;
        };
    }

    private static String text(byte[] value, String ifNull) {
        return value == null ? ifNull : new String(value, StandardCharsets.UTF_8);
    }

    /** The batches of a read as parseable in-memory records: a file slice is read with one positional read. */
    static MemoryRecords inMemory(Records records) throws IOException {
        if (records instanceof MemoryRecords m) {
            return m;
        }
        FileRecords f = (FileRecords) records;
        ByteBuffer buf = ByteBuffer.allocate(f.sizeInBytes());
        f.readInto(buf, 0);
        return MemoryRecords.readableRecords(buf);
    }
}
