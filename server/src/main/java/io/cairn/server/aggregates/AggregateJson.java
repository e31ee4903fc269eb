package io.cairn.server.aggregates;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParser;

import io.cairn.log.store.AppendResult;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;
import io.cairn.server.ApiException;
import io.cairn.server.ProblemType;

/**
 * The JSON form of aggregate events, both ways.
 *
 * <p>In ({@code POST /api/aggregates/{topic}/{id}/events}):
 * {@code {"expectedSequence": n, "events": [{"type": string, "revision": int, "payload": any JSON,
 * "metadata": {string: string}}]}}. {@code expectedSequence} is required: the aggregate's last sequence number, -1
 * for a new aggregate, or -2 to append after whatever is there. {@code revision} defaults to 0 and {@code metadata}
 * to none; {@code payload} is required and stored as its compact UTF-8 JSON text.
 *
 * <p>Out: {@code {"sequence", "type", "revision", "payload", "metadata", "timestamp", "partition", "offset"}}; a payload
 * that is not UTF-8 JSON (written by a Kafka client) comes back as {@code "payloadBase64"} with {@code "payload": null}.
 * Asked for with {@code payloadEncoding=base64}, every payload comes as {@code "payloadBase64"} (its stored bytes; null
 * for a record without a value) and there is no {@code "payload"}. {@code "aggregateType"} is there only when an
 * event's aggregate-type header is not the topic (a Kafka client may write another).
 */
final class AggregateJson {
    private static final Set<String> BODY_FIELDS = Set.of("expectedSequence", "events");
    private static final Set<String> EVENT_FIELDS = Set.of("type", "revision", "payload", "metadata");

    private AggregateJson() {
    }

    /** A parsed append request. */
    record Append(long expectedSequence, List<EventData> events) {
    }

    static Append parseAppend(byte[] body) {
        JsonObject o = object(parse(body), "The body");
        known(o, BODY_FIELDS, "The body");
        JsonValue expected = o.get("expectedSequence");
        if (expected == null || expected.getValueType() != JsonValue.ValueType.NUMBER || !((JsonNumber) expected).isIntegral()) {
            throw invalid("expectedSequence is required: a whole number (the aggregate's last sequence, -1 for a new"
                    + " aggregate, -2 for any), not " + (expected == null ? "missing" : expected.toString()));
        }
        long exp;
        try {
            exp = ((JsonNumber) expected).longValueExact();
        } catch (ArithmeticException e) {
            throw invalid("expectedSequence is out of range: " + expected);
        }
        if (exp < EventStore.ANY) {
            throw invalid("expectedSequence must be >= -2, not " + exp);
        }
        JsonValue events = o.get("events");
        if (events == null || events.getValueType() != JsonValue.ValueType.ARRAY || events.asJsonArray().isEmpty()) {
            throw invalid("events is required: a non-empty array of events");
        }
        JsonArray array = events.asJsonArray();
        List<EventData> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            out.add(parseEvent(array.get(i), "events[" + i + "]"));
        }
        return new Append(exp, out);
    }

    private static EventData parseEvent(JsonValue v, String where) {
        JsonObject o = object(v, where);
        known(o, EVENT_FIELDS, where);
        JsonValue type = o.get("type");
        if (type == null || type.getValueType() != JsonValue.ValueType.STRING || ((JsonString) type).getString().isBlank()) {
            throw invalid(where + ".type is required: a non-empty string");
        }
        int revision = 0;
        JsonValue rev = o.get("revision");
        if (rev != null && rev.getValueType() != JsonValue.ValueType.NULL) {
            if (rev.getValueType() != JsonValue.ValueType.NUMBER || !((JsonNumber) rev).isIntegral()
                    || ((JsonNumber) rev).longValue() < 0 || ((JsonNumber) rev).longValue() > Integer.MAX_VALUE) {
                throw invalid(where + ".revision must be a whole number >= 0, not " + rev);
            }
            revision = ((JsonNumber) rev).intValue();
        }
        JsonValue payload = o.get("payload");
        if (payload == null) {
            throw invalid(where + ".payload is required (any JSON value)");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonValue meta = o.get("metadata");
        if (meta != null && meta.getValueType() != JsonValue.ValueType.NULL) {
            for (Map.Entry<String, JsonValue> m : object(meta, where + ".metadata").entrySet()) {
                if (m.getValue().getValueType() != JsonValue.ValueType.STRING) {
                    throw invalid(where + ".metadata." + m.getKey() + " must be a string");
                }
                metadata.put(m.getKey(), ((JsonString) m.getValue()).getString());
            }
        }
        return new EventData(((JsonString) type).getString(), revision, payload.toString().getBytes(StandardCharsets.UTF_8), metadata);
    }

    static JsonObject appended(String topic, String aggregateId, AppendResult r) {
        return Json.createObjectBuilder().add("topic", topic).add("aggregateId", aggregateId)
                .add("partition", r.partition()).add("firstOffset", r.firstOffset()).add("lastOffset", r.lastOffset())
                .add("lastSequence", r.lastSequence()).build();
    }

    static JsonObject events(String topic, String aggregateId, long lastSequence, List<StoredEvent> events) {
        return events(topic, aggregateId, lastSequence, events, false);
    }

    /** {@code base64}: every payload as {@code payloadBase64} (null for a record without a value), no "payload". */
    static JsonObject events(String topic, String aggregateId, long lastSequence, List<StoredEvent> events, boolean base64) {
        JsonArrayBuilder a = Json.createArrayBuilder();
        for (StoredEvent e : events) {
            a.add(event(e, topic, base64));
        }
        return Json.createObjectBuilder().add("topic", topic).add("aggregateId", aggregateId)
                .add("lastSequence", lastSequence).add("events", a).build();
    }

    private static JsonObject event(StoredEvent e, String topic, boolean base64) {
        JsonObjectBuilder b = Json.createObjectBuilder().add("sequence", e.sequence());
        if (e.eventType() == null) {
            b.addNull("type");
        } else {
            b.add("type", e.eventType());
        }
        b.add("revision", e.revision());
        if (base64) {
            if (e.payload() == null) {
                b.addNull("payloadBase64");
            } else {
                b.add("payloadBase64", Base64.getEncoder().encodeToString(e.payload()));
            }
        } else {
            JsonValue json = e.payload() == null ? JsonValue.NULL : json(e.payload());
            b.add("payload", json == null ? JsonValue.NULL : json);
            if (json == null) {
                b.add("payloadBase64", Base64.getEncoder().encodeToString(e.payload()));
            }
        }
        if (e.aggregateType() != null && !e.aggregateType().equals(topic)) {
            b.add("aggregateType", e.aggregateType());
        }
        JsonObjectBuilder meta = Json.createObjectBuilder();
        e.metadata().forEach(meta::add);
        return b.add("metadata", meta).add("timestamp", e.timestamp()).add("partition", e.partition())
                .add("offset", e.offset()).build();
    }

    /** The payload as JSON, or null when it is not UTF-8 JSON text. */
    private static JsonValue json(byte[] payload) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        if (text.isBlank()) {
            return null;
        }
        try (JsonReader r = Json.createReader(new StringReader(text))) {
            return r.readValue();
        } catch (JsonException e) {
            return null;
        }
    }

    private static JsonValue parse(byte[] body) {
        if (body.length == 0) {
            throw new ApiException(ProblemType.MALFORMED_JSON, "The request body is empty; JSON was expected");
        }
        try (JsonParser p = Json.createParser(new ByteArrayInputStream(body))) {
            p.next();
            JsonValue v = p.getValue();
            if (p.hasNext()) {
                throw new ApiException(ProblemType.MALFORMED_JSON, "The request body has more after its JSON value, at " + p.getLocation());
            }
            return v;
        } catch (JsonException | IllegalStateException | java.util.NoSuchElementException e) {
            throw new ApiException(ProblemType.MALFORMED_JSON, "The request body is not valid JSON: " + e.getMessage());
        }
    }

    private static JsonObject object(JsonValue v, String where) {
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            throw invalid(where + " must be a JSON object");
        }
        return v.asJsonObject();
    }

    private static void known(JsonObject o, Set<String> fields, String where) {
        for (String k : o.keySet()) {
            if (!fields.contains(k)) {
                throw invalid(where + " has an unknown field '" + k + "' (known: " + String.join(", ", fields.stream().sorted().toList()) + ")");
            }
        }
    }

    static ApiException invalid(String detail) {
        return new ApiException(ProblemType.INVALID_REQUEST, detail);
    }
}
