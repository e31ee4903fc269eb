package io.cairn.cdc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * A Connect key or value (Debezium's change envelope) as JSON, byte for byte what Kafka's {@link JsonConverter} gives
 * with {@code schemas.enable=false} and its other settings at their defaults (nulls replaced by the schema's default,
 * decimals as base64 of the unscaled value), which is the converter Debezium's {@code JsonByteArray} format runs with
 * Cairn's settings. It streams the value into a Jackson generator, where the converter builds a {@code JsonNode} tree,
 * compares each struct's schema in depth with the one it is written under, and then serializes the tree: the same
 * output for a fraction of the work.
 *
 * <p>Anything it does not handle the same way (a struct whose schema is not the one given, a value of the wrong Java
 * type, a schemaless value) goes to a real {@link JsonConverter} with the same configuration, so the result is always
 * the converter's, including its errors. {@code ConnectJsonTest} compares the two over every Connect type.
 *
 * <p>Thread-safety: not thread-safe (one reusable buffer); one instance per engine thread.
 */
final class ConnectJson {
    private static final JsonFactory JSON = new JsonFactory();

    private final JsonConverter fallback = new JsonConverter();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    /**
     * Struct schemas found equal (in depth, as the converter compares them) to the schema they were written under, by
     * identity: Debezium builds some structs (the {@code source} block) with an equal copy of the envelope's field
     * schema, and comparing them in depth for every record is much of the converter's cost.
     */
    private final Map<Schema, Schema> equalTo = new IdentityHashMap<>();
    /** Per struct schema, its field names as pre-encoded JSON strings (Jackson copies their bytes). */
    private final Map<Schema, SerializedString[]> names = new IdentityHashMap<>();
    /** One generator for every value (a new one per value costs more than a small envelope's writing). */
    private JsonGenerator generator;
    /** Values left to the converter so far (tests check that Debezium's envelopes are not). */
    long fallbacks;

    /** {@code isKey}: as the key converter (only the converter's own name for errors differs). */
    ConnectJson(boolean isKey) {
        fallback.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), isKey);
    }

    /** The JSON of {@code value}; null for a null value without a schema (a tombstone), as the converter. */
    byte[] toJson(String topic, Schema schema, Object value) {
        if (schema == null) {
            if (value == null) {
                return null;
            }
            fallbacks++;
            return fallback.fromConnectData(topic, null, value);
        }
        out.reset();
        try {
            JsonGenerator g = generator;
            if (g == null) {
                g = JSON.createGenerator(out);
                g.setRootValueSeparator(null); // values one after the other, each taken out of the buffer alone
                generator = g;
            }
            write(g, schema, value);
            g.flush();
        } catch (Unsupported | IOException | RuntimeException ex) {
            generator = null; // left inside a value: a new one next time
            fallbacks++;
            return fallback.fromConnectData(topic, schema, value);
        }
        return out.toByteArray();
    }

    /** Something the converter may treat differently (or reject): left to it. */
    private static final class Unsupported extends Exception {
        Unsupported() {
            super(null, null, false, false);
        }
    }

    private static final Unsupported UNSUPPORTED = new Unsupported();

    private void write(JsonGenerator g, Schema schema, Object value) throws IOException, Unsupported {
        if (value == null) {
            if (schema.defaultValue() != null) {
                write(g, schema, schema.defaultValue());
            } else if (schema.isOptional()) {
                g.writeNull();
            } else {
                throw UNSUPPORTED; // the converter's error
            }
            return;
        }
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case Decimal.LOGICAL_NAME -> {
                    if (!(value instanceof BigDecimal d)) {
                        throw UNSUPPORTED;
                    }
                    g.writeBinary(Decimal.fromLogical(schema, d));
                    return;
                }
                case Date.LOGICAL_NAME -> {
                    if (!(value instanceof java.util.Date d)) {
                        throw UNSUPPORTED;
                    }
                    g.writeNumber(Date.fromLogical(schema, d));
                    return;
                }
                case Time.LOGICAL_NAME -> {
                    if (!(value instanceof java.util.Date d)) {
                        throw UNSUPPORTED;
                    }
                    g.writeNumber(Time.fromLogical(schema, d));
                    return;
                }
                case Timestamp.LOGICAL_NAME -> {
                    if (!(value instanceof java.util.Date d)) {
                        throw UNSUPPORTED;
                    }
                    g.writeNumber(Timestamp.fromLogical(schema, d));
                    return;
                }
                default -> {
                    // other names (Debezium's semantic types) are plain values of their type
                }
            }
        }
        try {
            switch (schema.type()) {
                case INT8 -> g.writeNumber((Byte) value);
                case INT16 -> g.writeNumber((Short) value);
                case INT32 -> g.writeNumber((Integer) value);
                case INT64 -> g.writeNumber((Long) value);
                case FLOAT32 -> g.writeNumber((Float) value);
                case FLOAT64 -> g.writeNumber((Double) value);
                case BOOLEAN -> g.writeBoolean((Boolean) value);
                // String first: a cast to an interface of String's can be slow on JDK 17 (its one-entry secondary
                // supers cache thrashes when one class is checked against several interfaces in turn).
                case STRING -> g.writeString(value instanceof String str ? str : ((CharSequence) value).toString());
                case BYTES -> {
                    if (value instanceof byte[] b) {
                        g.writeBinary(b);
                    } else if (value instanceof ByteBuffer b) {
                        g.writeBinary(b.array()); // the whole backing array, as the converter
                    } else {
                        throw UNSUPPORTED;
                    }
                }
                case ARRAY -> {
                    g.writeStartArray();
                    for (Object e : (Collection<?>) value) {
                        write(g, schema.valueSchema(), e);
                    }
                    g.writeEndArray();
                }
                case MAP -> writeMap(g, schema, (Map<?, ?>) value);
                case STRUCT -> {
                    Struct s = (Struct) value;
                    if (s.schema() != schema && !knownEqual(s.schema(), schema)) {
                        throw UNSUPPORTED; // the converter refuses a struct whose schema is not the one given
                    }
                    g.writeStartObject();
                    List<Field> fields = schema.fields();
                    SerializedString[] fieldNames = names.get(schema);
                    if (fieldNames == null) {
                        fieldNames = fieldNames(schema);
                    }
                    for (int i = 0, n = fields.size(); i < n; i++) {
                        Field f = fields.get(i);
                        g.writeFieldName(fieldNames[i]);
                        write(g, f.schema(), s.getWithoutDefault(f.name()));
                    }
                    g.writeEndObject();
                }
                default -> throw UNSUPPORTED;
            }
        } catch (ClassCastException ex) {
            throw UNSUPPORTED;
        }
    }

    private SerializedString[] fieldNames(Schema schema) {
        List<Field> fields = schema.fields();
        SerializedString[] out = new SerializedString[fields.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new SerializedString(fields.get(i).name());
        }
        if (names.size() >= 1024) {
            names.clear(); // as equalTo
        }
        names.put(schema, out);
        return out;
    }

    private boolean knownEqual(Schema actual, Schema expected) {
        if (equalTo.get(actual) == expected) {
            return true;
        }
        if (!actual.equals(expected)) {
            return false;
        }
        if (equalTo.size() >= 1024) {
            equalTo.clear(); // schemas replaced over a long run (tables altered): start over rather than keep them all
        }
        equalTo.put(actual, expected);
        return true;
    }

    /** An object when keys are strings, else an array of [key, value] pairs, as the converter. */
    private void writeMap(JsonGenerator g, Schema schema, Map<?, ?> map) throws IOException, Unsupported {
        if (schema.keySchema().type() != Schema.Type.STRING) {
            g.writeStartArray();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                g.writeStartArray();
                write(g, schema.keySchema(), e.getKey());
                write(g, schema.valueSchema(), e.getValue());
                g.writeEndArray();
            }
            g.writeEndArray();
            return;
        }
        g.writeStartObject();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getKey() == null) {
                throw UNSUPPORTED; // the converter names it by the text of its default or of null
            }
            g.writeFieldName(e.getKey() instanceof String str ? str : ((CharSequence) e.getKey()).toString());
            write(g, schema.valueSchema(), e.getValue());
        }
        g.writeEndObject();
    }
}
