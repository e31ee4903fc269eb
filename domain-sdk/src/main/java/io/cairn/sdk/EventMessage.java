package io.cairn.sdk;

import io.cairn.log.store.EventHeaders;

import java.util.Map;
import java.util.Objects;

/**
 * An event as the SDK hands it to handlers: the deserialized (and upcast) payload with where it came from.
 *
 * @param topic         the aggregate topic it was read from
 * @param aggregateType the aggregate type header of the record
 * @param aggregateId   the record key
 * @param sequence      the event's sequence number within its aggregate (0, 1, 2, ... without gaps)
 * @param eventType     the payload's event type name after upcasting (see {@code @EventType})
 * @param revision      the payload's revision after upcasting (see {@code @Revision})
 * @param payload       the event object
 * @param metadata      correlation id, causation id and user keys
 * @param timestamp     when the log stored it (epoch millis)
 * @param partition     the partition holding it
 * @param offset        its offset in that partition (the position tracking processors store)
 */
public record EventMessage<T>(String topic, String aggregateType, String aggregateId, long sequence, String eventType,
                              int revision, T payload, Map<String, String> metadata, long timestamp, int partition,
                              long offset) {

    public EventMessage {
        Objects.requireNonNull(payload, "payload");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** The id shared by everything a business request caused, or null. */
    public String correlationId() {
        return metadata.get(EventHeaders.CORRELATION_KEY);
    }

    /** The id of the command (or message) that directly caused this event, or null. */
    public String causationId() {
        return metadata.get(EventHeaders.CAUSATION_KEY);
    }

    /** The payload cast to {@code type}, which must match. */
    public <E> E payload(Class<E> type) {
        return type.cast(payload);
    }
}
