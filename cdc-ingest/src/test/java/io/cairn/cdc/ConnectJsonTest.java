package io.cairn.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

/** ConnectJson gives, byte for byte, what Kafka's JsonConverter gives with schemas disabled (Cairn's settings). */
class ConnectJsonTest {
    private static final Schema COLUMNS = SchemaBuilder.struct().name("db.public.t.Value")
            .field("i8", Schema.OPTIONAL_INT8_SCHEMA)
            .field("i16", Schema.INT16_SCHEMA)
            .field("i32", Schema.INT32_SCHEMA)
            .field("i64", Schema.OPTIONAL_INT64_SCHEMA)
            .field("f32", Schema.OPTIONAL_FLOAT32_SCHEMA)
            .field("f64", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("bool", Schema.OPTIONAL_BOOLEAN_SCHEMA)
            .field("text", Schema.OPTIONAL_STRING_SCHEMA)
            .field("bytes", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("buffer", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("dec", Decimal.builder(3).optional().build())
            .field("date", Date.builder().optional().build())
            .field("time", Time.builder().optional().build())
            .field("ts", Timestamp.builder().optional().build())
            .field("semantic", SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").optional().build())
            .field("withDefault", SchemaBuilder.string().optional().defaultValue("dflt").build())
            .field("intDefault", SchemaBuilder.int32().defaultValue(42).build())
            .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build())
            .field("empty", SchemaBuilder.array(Schema.INT32_SCHEMA).optional().build())
            .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_INT32_SCHEMA).optional().build())
            .field("pairs", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).optional().build())
            .optional()
            .build();
    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("version", Schema.STRING_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("snapshot", SchemaBuilder.string().optional().defaultValue("false").build())
            .build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().name("db.public.t.Envelope")
            .field("before", COLUMNS)
            .field("after", COLUMNS)
            .field("source", SOURCE)
            .field("op", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
            .build();

    private final ConnectJson json = new ConnectJson(false);
    private final JsonConverter converter = converter(false);

    private static JsonConverter converter(boolean isKey) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", "false"), isKey);
        return c;
    }

    private void same(Schema schema, Object value) {
        byte[] expected = converter.fromConnectData("t", schema, value);
        byte[] actual = json.toJson("t", schema, value);
        assertThat(actual == null ? null : new String(actual, StandardCharsets.UTF_8))
                .isEqualTo(expected == null ? null : new String(expected, StandardCharsets.UTF_8));
        assertThat(actual).isEqualTo(expected);
    }

    private static Struct full() {
        Map<String, Integer> attrs = new LinkedHashMap<>();
        attrs.put("b", 2);
        attrs.put("a", null);
        attrs.put("quote\"d", 3);
        Map<Integer, String> pairs = new LinkedHashMap<>();
        pairs.put(7, "seven");
        pairs.put(-1, "minus");
        return new Struct(COLUMNS)
                .put("i8", (byte) -7)
                .put("i16", (short) 300)
                .put("i32", Integer.MIN_VALUE)
                .put("i64", Long.MAX_VALUE)
                .put("f32", 1.1f)
                .put("f64", -0.000123456789e-10)
                .put("bool", true)
                .put("text", "é ü \u2603 \uD83D\uDE00 \"quoted\" back\\slash / tab\t nl\n ctl\u0001 del\u007f")
                .put("bytes", new byte[] {0, 1, 2, (byte) 0xff, 127})
                .put("buffer", ByteBuffer.wrap(new byte[] {9, 8, 7}))
                .put("dec", new BigDecimal("-12345678901234567890.123"))
                .put("date", new java.util.Date(86_400_000L * 19_000))
                .put("time", new java.util.Date(45_296_789L))
                .put("ts", new java.util.Date(1_764_000_000_123L))
                .put("semantic", 1_764_000_000_123_456L)
                .put("intDefault", 5)
                .put("tags", List.of("x", "y"))
                .put("empty", List.of())
                .put("attrs", attrs)
                .put("pairs", pairs);
    }

    @Test
    void debeziumEnvelopesOfEveryTypeAreTheConvertersBytes() {
        Struct source = new Struct(SOURCE).put("version", "3.5.0.Final").put("lsn", 123456789L);
        same(ENVELOPE, new Struct(ENVELOPE).put("after", full()).put("source", source).put("op", "c").put("ts_ms", 1L));
        same(ENVELOPE, new Struct(ENVELOPE).put("before", full()).put("after", full()).put("source", source)
                .put("op", "u"));
        assertThat(json.fallbacks).as("envelopes written without the converter").isZero();
    }

    @Test
    void nullsBecomeTheSchemasDefaultOrNull() {
        // withDefault and intDefault unset: the converter writes their defaults (replace.null.with.default).
        same(COLUMNS, new Struct(COLUMNS).put("i16", (short) 1).put("i32", 2));
        same(Schema.OPTIONAL_STRING_SCHEMA, null);
        same(SchemaBuilder.string().optional().defaultValue("d").build(), null);
        same(null, null); // a tombstone's value: no bytes at all
        assertThat(json.fallbacks).isZero();
    }

    @Test
    void floatsOutsideJsonNumbersAndExtremes() {
        for (double d : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0,
                Double.MIN_VALUE, Double.MAX_VALUE, 1e21, 1e-7, 100.0}) {
            same(Schema.FLOAT64_SCHEMA, d);
        }
        for (float f : new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, 3.4e-5f}) {
            same(Schema.FLOAT32_SCHEMA, f);
        }
        assertThat(json.fallbacks).isZero();
    }

    @Test
    void keysAsTheKeyConverter() {
        Schema key = SchemaBuilder.struct().name("db.public.t.Key").field("id", Schema.INT32_SCHEMA).build();
        byte[] expected = converter(true).fromConnectData("t", key, new Struct(key).put("id", 3));
        assertThat(new ConnectJson(true).toJson("t", key, new Struct(key).put("id", 3))).isEqualTo(expected);
        assertThat(new String(expected, StandardCharsets.UTF_8)).isEqualTo("{\"id\":3}");
    }

    @Test
    void whatItLeavesToTheConverterStillComesOutTheSame() {
        // a struct built against an equal but distinct schema object: the converter compares them in depth
        Schema copy = SchemaBuilder.struct().name("k").field("id", Schema.INT32_SCHEMA).build();
        Schema same = SchemaBuilder.struct().name("k").field("id", Schema.INT32_SCHEMA).build();
        same(copy, new Struct(same).put("id", 9));
        // schemaless values
        byte[] schemaless = json.toJson("t", null, Map.of("a", 1));
        assertThat(schemaless).isEqualTo(converter.fromConnectData("t", null, Map.of("a", 1)));
        // the converter's own errors
        assertThatThrownBy(() -> json.toJson("t", Schema.STRING_SCHEMA, null)).isInstanceOf(DataException.class);
        assertThatThrownBy(() -> json.toJson("t", Schema.INT32_SCHEMA, "not a number")).isInstanceOf(DataException.class);
        // and it goes on after one
        same(ENVELOPE.field("after").schema(), full());
    }
}
