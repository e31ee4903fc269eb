package io.cairn.log.store;

import java.util.Map;
import java.util.Objects;

/**
 * An event to append: its type name, payload revision, serialized payload and metadata (correlation id, causation id
 * and any user keys; stored as record headers, see {@link EventHeaders}).
 */
public record EventData(String eventType, int revision, byte[] payload, Map<String, String> metadata) {
    public EventData {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(payload, "payload");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        if (revision < 0) {
            throw new IllegalArgumentException("revision must be >= 0, was " + revision);
        }
    }
}
