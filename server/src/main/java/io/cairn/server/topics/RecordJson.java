package io.cairn.server.topics;

import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.Record;

/**
 * The JSON form of records, both ways.
 *
 * <p>In ({@code POST /api/topics/{name}/records}): an array of
 * {@code {"key": string|null, "value": any JSON, "headers": {name: string|null}, "partition": int}}, every field
 * optional. The key is stored as its UTF-8 bytes; the value as its UTF-8 JSON text (compact form), a missing or
 * {@code null} value as a null value (a tombstone, as in Kafka); header values as UTF-8 bytes.
 *
 * <p>Out: {@code {"offset", "timestamp", "key", "value", "headers"}}. A value that is UTF-8 JSON (anything produced
 * over REST) comes back as JSON; any other value (binary, plain text from a Kafka client) comes back as
 * {@code "valueBase64"} with {@code "value": null}, so nothing is lost or guessed; likewise {@code "keyBase64"} for a
 * key that is not UTF-8. Header values are decoded as UTF-8; of repeated header names the last one is shown.
 */
final class RecordJson {
    private static final Set<String> FIELDS = Set.of("key", "value", "headers", "partition");

    private RecordJson() {
    }

    /** One record to produce. {@code partition} is null when the partitioner chooses. */
    record ProduceRecord(byte[] key, byte[] value, Header[] headers, Integer partition) {
    }

    static List<ProduceRecord> parseBatch(byte[] body, int maxRecords) {
        JsonValue root = JsonBodies.parse(body);
        if (root.getValueType() != JsonValue.ValueType.ARRAY) {
            throw JsonBodies.invalid("The body must be a JSON array of records, not " + JsonBodies.kind(root));
        }
        JsonArray array = root.asJsonArray();
        if (array.isEmpty()) {
            throw JsonBodies.invalid("The array of records is empty");
        }
        if (array.size() > maxRecords) {
            throw JsonBodies.invalid("At most " + maxRecords + " records per request, not " + array.size());
        }
        List<ProduceRecord> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            out.add(parseRecord(array.get(i), "records[" + i + "]"));
        }
        return out;
    }

    private static ProduceRecord parseRecord(JsonValue v, String where) {
        JsonObject o = JsonBodies.object(v, where);
        JsonBodies.onlyKnownFields(o, FIELDS, where);
        String key = JsonBodies.optionalString(o, "key", where);
        JsonValue value = o.get("value");
        byte[] valueBytes = value == null || value.getValueType() == JsonValue.ValueType.NULL
                ? null : value.toString().getBytes(StandardCharsets.UTF_8);
        Integer partition = JsonBodies.optionalInt(o, "partition", 0, Integer.MAX_VALUE, where);
        return new ProduceRecord(key == null ? null : key.getBytes(StandardCharsets.UTF_8), valueBytes,
                headers(o.get("headers"), where), partition);
    }

    private static Header[] headers(JsonValue v, String where) {
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return new Header[0];
        }
        JsonObject o = JsonBodies.object(v, where + ".headers");
        List<Header> out = new ArrayList<>(o.size());
        for (Map.Entry<String, JsonValue> h : o.entrySet()) {
            JsonValue hv = h.getValue();
            byte[] bytes = switch (hv.getValueType()) {
                case NULL -> null;
                case STRING -> ((JsonString) hv).getString().getBytes(StandardCharsets.UTF_8);
                default -> throw JsonBodies.invalid(where + ".headers." + h.getKey() + " must be a string or null, not "
                        + JsonBodies.kind(hv));
            };
            out.add(new RecordHeader(h.getKey(), bytes));
        }
        return out.toArray(new Header[0]);
    }

    static JsonObject toJson(Record r) {
        JsonObjectBuilder b = Json.createObjectBuilder().add("offset", r.offset()).add("timestamp", r.timestamp());
        ByteBuffer key = r.key();
        String keyText = key == null ? null : utf8(key);
        if (key == null) {
            b.addNull("key");
        } else if (keyText != null) {
            b.add("key", keyText);
        } else {
            b.addNull("key").add("keyBase64", base64(key));
        }
        ByteBuffer value = r.value();
        JsonValue json = value == null ? JsonValue.NULL : json(value);
        b.add("value", json == null ? JsonValue.NULL : json);
        if (json == null) {
            b.add("valueBase64", base64(value));
        }
        JsonObjectBuilder headers = Json.createObjectBuilder();
        for (Header h : r.headers()) {
            if (h.value() == null) {
                headers.addNull(h.key());
            } else {
                headers.add(h.key(), new String(h.value(), StandardCharsets.UTF_8));
            }
        }
        return b.add("headers", headers).build();
    }

    /** The value as JSON, or null when it is not UTF-8 JSON text. */
    private static JsonValue json(ByteBuffer value) {
        String text = utf8(value);
        if (text == null || text.isBlank()) {
            return null;
        }
        try (JsonReader r = Json.createReader(new StringReader(text))) {
            return r.readValue();
        } catch (JsonException e) {
            return null;
        }
    }

    /** Strict UTF-8 decoding: null when the bytes are not UTF-8. */
    private static String utf8(ByteBuffer b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(b.duplicate()).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String base64(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] bytes = new byte[d.remaining()];
        d.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}
