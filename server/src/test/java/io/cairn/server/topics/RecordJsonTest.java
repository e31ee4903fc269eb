package io.cairn.server.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import jakarta.json.JsonObject;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;

import io.cairn.server.ApiException;
import io.cairn.server.ProblemType;

class RecordJsonTest {

    private static List<RecordJson.ProduceRecord> parse(String json) {
        return RecordJson.parseBatch(json.getBytes(StandardCharsets.UTF_8), 1000);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void parsesKeysValuesHeadersAndPartitions() {
        List<RecordJson.ProduceRecord> records = parse("""
                [{"key":"k","value":{"a":[1, 2.5, "x"], "b":null},"headers":{"h":"v","n":null},"partition":2},
                 {"value":"text"}, {"value":7}, {"value":true}, {"value":null}, {}]""");
        assertThat(records).hasSize(6);
        RecordJson.ProduceRecord first = records.get(0);
        assertThat(text(first.key())).isEqualTo("k");
        assertThat(text(first.value())).isEqualTo("{\"a\":[1,2.5,\"x\"],\"b\":null}");
        assertThat(first.headers()).extracting(Header::key).containsExactly("h", "n");
        assertThat(text(first.headers()[0].value())).isEqualTo("v");
        assertThat(first.headers()[1].value()).isNull();
        assertThat(first.partition()).isEqualTo(2);
        assertThat(text(records.get(1).value())).isEqualTo("\"text\"");
        assertThat(text(records.get(2).value())).isEqualTo("7");
        assertThat(text(records.get(3).value())).isEqualTo("true");
        assertThat(records.get(4).value()).as("null is a tombstone").isNull();
        assertThat(records.get(5).value()).isNull();
        assertThat(records.get(5).key()).isNull();
        assertThat(records.get(5).partition()).isNull();
    }

    @Test
    void refusesWhatIsNotABatchOfRecords() {
        assertRefused("", ProblemType.MALFORMED_JSON, "empty");
        assertRefused("[{\"value\":1}", ProblemType.MALFORMED_JSON, "not valid JSON");
        assertRefused("[1] [2]", ProblemType.MALFORMED_JSON, "not valid JSON");
        assertRefused("{\"value\":1}", ProblemType.INVALID_REQUEST, "must be a JSON array");
        assertRefused("[]", ProblemType.INVALID_REQUEST, "empty");
        assertRefused("[{\"value\":1}, 3]", ProblemType.INVALID_REQUEST, "records[1] must be a JSON object");
        assertRefused("[{\"vlaue\":1}]", ProblemType.INVALID_REQUEST, "unknown field 'vlaue'");
        assertRefused("[{\"key\":5}]", ProblemType.INVALID_REQUEST, "records[0].key must be a string");
        assertRefused("[{\"headers\":{\"h\":1}}]", ProblemType.INVALID_REQUEST, "records[0].headers.h must be a string");
        assertRefused("[{\"headers\":[]}]", ProblemType.INVALID_REQUEST, "records[0].headers must be a JSON object");
        assertRefused("[{\"partition\":-1}]", ProblemType.INVALID_REQUEST, "records[0].partition must be between");
        assertRefused("[{\"partition\":1.5}]", ProblemType.INVALID_REQUEST, "must be a whole number");
        assertRefused("[{\"partition\":99999999999}]", ProblemType.INVALID_REQUEST, "must be between");
        assertThatThrownBy(() -> RecordJson.parseBatch("[{},{},{}]".getBytes(StandardCharsets.UTF_8), 2))
                .isInstanceOf(ApiException.class).hasMessageContaining("At most 2 records");
    }

    private static void assertRefused(String json, ProblemType type, String detail) {
        assertThatThrownBy(() -> parse(json)).as(json).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.type()).isEqualTo(type)).hasMessageContaining(detail);
    }

    @Test
    void recordsRoundTripThroughARecordBatch() {
        List<RecordJson.ProduceRecord> in = parse("""
                [{"key":"k","value":{"n":1},"headers":{"h":"v"}}, {"value":"s"}, {"key":"gone"}]""");
        SimpleRecord[] simple = in.stream().map(r -> new SimpleRecord(1234L, r.key(), r.value(), r.headers()))
                .toArray(SimpleRecord[]::new);
        List<JsonObject> out = toJson(MemoryRecords.withRecords(10L, Compression.NONE, simple));
        assertThat(out.get(0).toString())
                .isEqualTo("{\"offset\":10,\"timestamp\":1234,\"key\":\"k\",\"value\":{\"n\":1},\"headers\":{\"h\":\"v\"}}");
        assertThat(out.get(1).toString())
                .isEqualTo("{\"offset\":11,\"timestamp\":1234,\"key\":null,\"value\":\"s\",\"headers\":{}}");
        assertThat(out.get(2).toString())
                .isEqualTo("{\"offset\":12,\"timestamp\":1234,\"key\":\"gone\",\"value\":null,\"headers\":{}}");
    }

    @Test
    void valuesAndKeysThatAreNotUtf8JsonComeBackAsBase64() {
        byte[] binary = {(byte) 0xff, 0, 1};
        List<JsonObject> out = toJson(MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(1L, binary, "plain text".getBytes(StandardCharsets.UTF_8),
                        new Header[] {new RecordHeader("h", null)}),
                new SimpleRecord(2L, null, binary)));
        JsonObject first = out.get(0);
        assertThat(first.isNull("key")).isTrue();
        assertThat(first.getString("keyBase64")).isEqualTo(Base64.getEncoder().encodeToString(binary));
        assertThat(first.isNull("value")).isTrue();
        assertThat(first.getString("valueBase64")).isEqualTo(Base64.getEncoder().encodeToString("plain text".getBytes(StandardCharsets.UTF_8)));
        assertThat(first.getJsonObject("headers").isNull("h")).isTrue();
        assertThat(out.get(1).getString("valueBase64")).isEqualTo(Base64.getEncoder().encodeToString(binary));
    }

    private static List<JsonObject> toJson(MemoryRecords records) {
        List<JsonObject> out = new ArrayList<>();
        for (RecordBatch b : records.batches()) {
            for (Record r : b) {
                out.add(RecordJson.toJson(r));
            }
        }
        return out;
    }
}
