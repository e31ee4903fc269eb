package io.cairn.log.store;

import java.util.Map;

/** An event as stored: {@link EventData}'s fields plus where and when the log put it. */
public record StoredEvent(String aggregateType, String aggregateId, long sequence, String eventType, int revision,
                          byte[] payload, Map<String, String> metadata, long timestamp, int partition, long offset) {
}
