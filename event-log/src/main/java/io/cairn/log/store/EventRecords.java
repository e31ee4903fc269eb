package io.cairn.log.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.cairn.log.TopicConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Aggregate events as the records of stock Kafka clients, for event stores that reach a Cairn server over the Kafka
 * protocol: the same headers as {@link EventCodec} writes in-process, the same checks, the same decoding.
 */
public final class EventRecords {
    private EventRecords() {
    }

    /**
     * Checks an append as the in-process store does (aggregate id, events, names, expected sequence).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static void checkAppend(String aggregateId, long expectedSequence, List<EventData> events) {
        EventCodec.key(aggregateId);
        EventCodec.checkEvents(events, expectedSequence);
    }

    /** Checks an aggregate id as the in-process store does. @throws IllegalArgumentException naming what is wrong */
    public static void checkAggregateId(String aggregateId) {
        EventCodec.key(aggregateId);
    }

    /**
     * The records of one conditional append: one per event, keyed by the aggregate id, stamped with the store's headers
     * (sequences from {@code expected + 1}), the first carrying {@link EventHeaders#EXPECTED_SEQUENCE}. They must reach
     * the broker as one record batch (see docs/event-store.md). Timestamps are left to the producer.
     *
     * @param expected the aggregate's last sequence, {@link EventStore#NEW_AGGREGATE} or ≥ 0 ({@link EventStore#ANY}
     *                 is resolved by the caller: the protocol has no "any")
     */
    public static List<ProducerRecord<byte[], byte[]>> conditionalAppend(String topic, String aggregateId, long expected,
                                                                         List<EventData> events) {
        if (expected < EventStore.NEW_AGGREGATE) {
            throw new IllegalArgumentException("A conditional append over Kafka needs an expected sequence >= -1, not " + expected);
        }
        byte[] key = EventCodec.key(aggregateId);
        EventCodec.checkEvents(events, expected);
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            EventData e = events.get(i);
            List<Header> headers = new ArrayList<>(6 + e.metadata().size());
            if (i == 0) {
                headers.add(header(EventHeaders.EXPECTED_SEQUENCE, Long.toString(expected)));
            }
            headers.add(header(EventHeaders.AGGREGATE_TYPE, topic));
            headers.add(header(EventHeaders.SEQUENCE, Long.toString(expected + 1 + i)));
            headers.add(header(EventHeaders.EVENT_TYPE, e.eventType()));
            headers.add(header(EventHeaders.REVISION, Integer.toString(e.revision())));
            e.metadata().forEach((k, v) -> headers.add(header(EventCodec.metadataHeader(k), v)));
            out.add(new ProducerRecord<>(topic, null, null, key, e.payload(), headers));
        }
        return out;
    }

    /** A consumed record as an event, decoded exactly as the in-process store decodes a stored record. */
    public static StoredEvent decode(ConsumerRecord<byte[], byte[]> r) {
        String aggregateType = r.topic();
        long sequence = -1;
        String eventType = null;
        int revision = 0;
        Map<String, String> metadata = new HashMap<>();
        for (Header h : r.headers()) {
            byte[] value = h.value();
            switch (h.key()) {
                case EventHeaders.AGGREGATE_TYPE -> aggregateType = value == null ? r.topic() : text(value);
                case EventHeaders.SEQUENCE -> sequence = EventCodec.parseNonNegative(value);
                case EventHeaders.EVENT_TYPE -> eventType = value == null ? null : text(value);
                case EventHeaders.REVISION -> revision = (int) Math.min(Integer.MAX_VALUE, Math.max(0, EventCodec.parseNonNegative(value)));
                case EventHeaders.EXPECTED_SEQUENCE -> { } // a request header, not part of the event
                default -> {
                    if (value != null) {
                        metadata.put(EventCodec.metadataKey(h.key()), text(value));
                    }
                }
            }
        }
        String id = r.key() == null ? null : text(r.key());
        return new StoredEvent(aggregateType, id, sequence, eventType, revision, r.value(), Map.copyOf(metadata),
                r.timestamp(), r.partition(), r.offset());
    }

    /** The topic configs of an aggregate topic (compacted: of a latest-value-per-key topic such as snapshots). */
    public static Map<String, String> topicConfigs(boolean compacted) {
        // Aggregate topics keep every event forever; a compacted topic keeps the latest per key (snapshots).
        return compacted
                ? Map.of(TopicConfig.CLEANUP_POLICY, "compact")
                : Map.of(TopicConfig.CLEANUP_POLICY, "delete", TopicConfig.RETENTION_MS, "-1", TopicConfig.RETENTION_BYTES, "-1");
    }

    /** The partition of an aggregate in a topic of {@code partitions} partitions (Kafka's default for keyed records). */
    public static int partitionFor(String aggregateId, int partitions) {
        return EventCodec.partitionFor(EventCodec.key(aggregateId), partitions);
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
