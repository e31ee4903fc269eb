package io.cairn.projections;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import io.cairn.log.store.EventHeaders;

/**
 * One record of a topic as a projection sees it: where it is (topic, partition, offset), when the log took it, its
 * key, its headers (UTF-8 strings) and its value. Events written by the SDK carry their type in the header
 * {@link EventHeaders#EVENT_TYPE} and a JSON value; {@link #json()} parses it (once).
 *
 * <p>Not thread-safe (the parsed value is cached); a projection gets each event on one thread.
 */
public final class ProjectionEvent {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Built once: {@code ObjectMapper.readTree} looks the tree type up again on every call. */
    private static final ObjectReader TREE = JSON.readerFor(JsonNode.class);

    private final String topic;
    private final int partition;
    private final long offset;
    private final long timestamp;
    private final String key;
    private final Map<String, String> headers;
    private final byte[] value;
    private JsonNode parsed;

    public ProjectionEvent(String topic, int partition, long offset, long timestamp, String key,
                           Map<String, String> headers, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.headers = headers == null ? Map.of() : headers;
        this.value = value;
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    /** The record's timestamp (epoch milliseconds). */
    public long timestamp() {
        return timestamp;
    }

    /** The record key as UTF-8 text (the aggregate id for SDK events), or null. */
    public String key() {
        return key;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** The value's bytes, or null for a tombstone. */
    public byte[] value() {
        return value;
    }

    /** The event type ({@code cairn-event-type} header), or null when the record has none. */
    public String type() {
        return headers.get(EventHeaders.EVENT_TYPE);
    }

    /** The value parsed as JSON; a missing value reads as JSON null. */
    public JsonNode json() {
        if (parsed == null) {
            try {
                parsed = value == null ? JSON.nullNode() : TREE.readTree(value);
            } catch (IOException e) {
                throw new IllegalArgumentException("The value of " + this + " is not JSON: " + e.getMessage(), e);
            }
        }
        return parsed;
    }

    /** A required text field of the JSON value. */
    public String text(String field) {
        JsonNode n = json().get(field);
        if (n == null || n.isNull() || !n.isValueNode()) {
            throw new IllegalArgumentException(this + " has no text field '" + field + "'");
        }
        return n.asText();
    }

    /** An optional text field of the JSON value, or null. */
    public String textOrNull(String field) {
        JsonNode n = json().get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    /** A required integral field of the JSON value. */
    public long longValue(String field) {
        JsonNode n = json().get(field);
        if (n == null || !n.canConvertToExactIntegral() || !n.canConvertToLong()) {
            throw new IllegalArgumentException(this + " has no integral field '" + field + "'");
        }
        return n.asLong();
    }

    /** The value as UTF-8 text (for messages), or null. */
    public String valueText() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return type() + "@" + topic + "-" + partition + ":" + offset;
    }
}
