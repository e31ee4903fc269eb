package io.cairn.log.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.utils.ByteUtils;

/**
 * Reads one aggregate's events straight from the bytes of an uncompressed record batch (v2), the hot path of loading
 * an aggregate: records of other aggregates are skipped by their length prefix, and for the aggregate's own records
 * only the fields an event needs become objects (Kafka's record iterator would make a record, header objects and
 * header byte copies for every record). Compressed and control batches go through Kafka's iterator instead.
 *
 * <p>Layout read here (Kafka's DefaultRecordBatch and DefaultRecord): batch header of 61 bytes with attributes at 21
 * (bits 0-2 compression, bit 3 timestamp type, bit 5 control), base offset at 0, first timestamp at 27, max timestamp
 * at 35, record count at 57; each record: varint length, int8 attributes, varlong timestamp delta, varint offset
 * delta, varint key length + key, varint value length + value (-1: null), varint header count, then per header
 * varint key length + UTF-8 key and varint value length + value (-1: null). Varints are zig-zag encoded.
 *
 * <p>Not thread-safe: one instance per read.
 */
final class PlainBatchReader {
    private static final int ATTRIBUTES = 21;
    private static final int FIRST_TIMESTAMP = 27;
    private static final int MAX_TIMESTAMP = 35;
    private static final int RECORD_COUNT = 57;
    private static final int RECORDS = 61;
    private static final byte[] AGGREGATE_TYPE = utf8(EventHeaders.AGGREGATE_TYPE);
    private static final byte[] SEQUENCE = utf8(EventHeaders.SEQUENCE);
    private static final byte[] EVENT_TYPE = utf8(EventHeaders.EVENT_TYPE);
    private static final byte[] REVISION = utf8(EventHeaders.REVISION);
    private static final byte[] EXPECTED_SEQUENCE = utf8(EventHeaders.EXPECTED_SEQUENCE);

    private final String topic;
    private final byte[] topicBytes;
    private final int partition;
    private final String aggregateId;
    private final byte[] key;
    /** Per header of the current record: key position, key length, value position, value length. */
    private int[] headers = new int[32];
    private byte[] lastType;
    private String lastTypeText;

    PlainBatchReader(String topic, int partition, String aggregateId, byte[] key) {
        this.topic = topic;
        this.topicBytes = utf8(topic);
        this.partition = partition;
        this.aggregateId = aggregateId;
        this.key = key;
    }

    /** Whether the batch at {@code pos} is one this class reads: uncompressed, not a control batch. */
    static boolean readable(ByteBuffer buf, int pos) {
        short attributes = buf.getShort(pos + ATTRIBUTES);
        return (attributes & 0x07) == 0 && (attributes & 0x20) == 0;
    }

    /**
     * Adds to {@code out} the aggregate's events of the batch at {@code pos} whose sequence is at least
     * {@code nextSequence} (duplicates are skipped), at most {@code lastSequence}, and at least {@code fromSequence};
     * returns the sequence expected next.
     */
    long read(ByteBuffer buf, int pos, int size, long nextSequence, long lastSequence, long fromSequence, List<StoredEvent> out) {
        long baseOffset = buf.getLong(pos);
        boolean logAppendTime = (buf.getShort(pos + ATTRIBUTES) & 0x08) != 0;
        long firstTimestamp = buf.getLong(pos + FIRST_TIMESTAMP);
        long maxTimestamp = buf.getLong(pos + MAX_TIMESTAMP);
        int count = buf.getInt(pos + RECORD_COUNT);
        ByteBuffer b = buf.duplicate();
        b.limit(pos + size).position(pos + RECORDS);
        for (int n = 0; n < count; n++) {
            int length = ByteUtils.readVarint(b);
            int end = b.position() + length;
            b.get(); // record attributes: unused
            long timestampDelta = ByteUtils.readVarlong(b);
            int offsetDelta = ByteUtils.readVarint(b);
            int keyLength = ByteUtils.readVarint(b);
            if (keyLength != key.length || !equalsAt(b, b.position(), key)) {
                b.position(end);
                continue;
            }
            b.position(b.position() + keyLength);
            int valueLength = ByteUtils.readVarint(b);
            int valuePos = b.position();
            if (valueLength > 0) {
                b.position(valuePos + valueLength);
            }
            int headerCount = ByteUtils.readVarint(b);
            if (headers.length < headerCount * 4) {
                headers = new int[headerCount * 4];
            }
            long sequence = -1;
            for (int h = 0; h < headerCount; h++) {
                int kLen = ByteUtils.readVarint(b);
                int kPos = b.position();
                b.position(kPos + kLen);
                int vLen = ByteUtils.readVarint(b);
                int vPos = b.position();
                if (vLen > 0) {
                    b.position(vPos + vLen);
                }
                headers[4 * h] = kPos;
                headers[4 * h + 1] = kLen;
                headers[4 * h + 2] = vPos;
                headers[4 * h + 3] = vLen;
                if (sequence < 0 && is(b, kPos, kLen, SEQUENCE)) {
                    sequence = vLen < 0 ? -1 : EventCodec.parseNonNegative(bytes(b, vPos, vLen));
                }
            }
            b.position(end);
            // Skips duplicates and records without a sequence; after compaction removed events, resumes at the next
            // one that survived.
            if (sequence < nextSequence || sequence > lastSequence) {
                continue;
            }
            nextSequence = sequence + 1;
            if (sequence >= fromSequence) {
                long timestamp = logAppendTime ? maxTimestamp : firstTimestamp + timestampDelta;
                byte[] payload = valueLength < 0 ? null : bytes(b, valuePos, valueLength);
                out.add(event(b, headerCount, sequence, payload, timestamp, baseOffset + offsetDelta));
            }
        }
        return nextSequence;
    }

    private StoredEvent event(ByteBuffer b, int headerCount, long sequence, byte[] payload, long timestamp, long offset) {
        String aggregateType = topic;
        String eventType = null;
        int revision = 0;
        String metaKey = null;
        String metaValue = null;
        Map<String, String> metadata = null;
        for (int h = 0; h < headerCount; h++) {
            int kPos = headers[4 * h];
            int kLen = headers[4 * h + 1];
            int vPos = headers[4 * h + 2];
            int vLen = headers[4 * h + 3];
            if (is(b, kPos, kLen, SEQUENCE) || is(b, kPos, kLen, EXPECTED_SEQUENCE)) {
                continue;
            }
            if (is(b, kPos, kLen, AGGREGATE_TYPE)) {
                aggregateType = vLen < 0 || is(b, vPos, vLen, topicBytes) ? topic : text(b, vPos, vLen);
            } else if (is(b, kPos, kLen, EVENT_TYPE)) {
                eventType = vLen < 0 ? null : eventType(b, vPos, vLen);
            } else if (is(b, kPos, kLen, REVISION)) {
                revision = vLen < 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.max(0, EventCodec.parseNonNegative(bytes(b, vPos, vLen))));
            } else if (vLen >= 0) {
                String k = EventCodec.metadataKey(text(b, kPos, kLen));
                String v = text(b, vPos, vLen);
                if (metaKey == null) {
                    metaKey = k;
                    metaValue = v;
                } else {
                    if (metadata == null) {
                        metadata = new HashMap<>();
                        metadata.put(metaKey, metaValue);
                    }
                    metadata.put(k, v);
                }
            }
        }
        Map<String, String> meta = metadata != null ? Map.copyOf(metadata) : metaKey != null ? Map.of(metaKey, metaValue) : Map.of();
        return new StoredEvent(aggregateType, aggregateId, sequence, eventType, revision, payload, meta, timestamp, partition, offset);
    }

    private String eventType(ByteBuffer b, int pos, int len) {
        if (lastType == null || !is(b, pos, len, lastType)) {
            lastType = bytes(b, pos, len);
            lastTypeText = new String(lastType, StandardCharsets.UTF_8);
        }
        return lastTypeText;
    }

    private static boolean is(ByteBuffer b, int pos, int len, byte[] expected) {
        return len == expected.length && equalsAt(b, pos, expected);
    }

    private static boolean equalsAt(ByteBuffer b, int pos, byte[] expected) {
        if (pos + expected.length > b.limit()) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (b.get(pos + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(ByteBuffer b, int pos, int len) {
        byte[] out = new byte[len];
        b.get(pos, out);
        return out;
    }

    private static String text(ByteBuffer b, int pos, int len) {
        return new String(bytes(b, pos, len), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "PlainBatchReader(" + topic + "-" + partition + ", " + aggregateId + ")";
    }
}
