package io.cairn.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.apache.kafka.common.utils.Utils;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The REST API of the real WAR on a real Liberty: topics are created, records produced, read back and described;
 * bad requests get the right problem document and change nothing. Topic names are unique per run, since the test
 * server keeps its data directory between builds.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TopicsApiIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.cairnWar();
    }

    @BeforeEach
    void ready() {
        Http.awaitReady(Duration.ofSeconds(60));
    }

    private static String uniqueTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static JsonObject describe(String topic) {
        Http.Reply r = Http.get("/api/topics/" + topic);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.object();
    }

    private static long logEnd(String topic, int partition) {
        return describe(topic).getJsonArray("partitions").getJsonObject(partition).getJsonNumber("logEndOffset").longValue();
    }

    private static void assertProblem(Http.Reply r, int status, String typeSuffix) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/problem+json");
        JsonObject p = r.object();
        assertThat(p.getInt("status")).isEqualTo(status);
        assertThat(p.getString("type")).endsWith(typeSuffix);
        assertThat(p.getString("title")).isNotBlank();
        assertThat(p.getString("detail")).isNotBlank();
    }

    @Test
    void createProduceReadAndDescribe() {
        String topic = uniqueTopic("orders");
        Http.Reply created = Http.postJson("/api/topics",
                "{\"name\":\"" + topic + "\",\"partitions\":3,\"configs\":{\"retention.ms\":86400000}}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.object().getInt("partitionCount")).isEqualTo(3);

        Http.Reply listed = Http.get("/api/topics");
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.array().stream().map(v -> v.asJsonObject().getString("name"))).contains(topic);

        Http.Reply produced = Http.postJson("/api/topics/" + topic + "/records", """
                [{"key":"order-1","value":{"event":"placed","total":42.5,"lines":[1,2]},"headers":{"source":"web"}},
                 {"key":"order-1","value":"shipped"},
                 {"value":7,"partition":2},
                 {"key":"order-2","value":null},
                 {"value":[true,false]}]""");
        assertThat(produced.status()).as(produced.toString()).isEqualTo(200);
        JsonArray offsets = produced.object().getJsonArray("offsets");
        assertThat(offsets).hasSize(5);
        int keyed = Utils.toPositive(Utils.murmur2("order-1".getBytes(StandardCharsets.UTF_8))) % 3;
        assertThat(offsets.getJsonObject(0).getInt("partition")).as("Kafka's partition for the key").isEqualTo(keyed);
        assertThat(offsets.getJsonObject(1).getInt("partition")).isEqualTo(keyed);
        assertThat(offsets.getJsonObject(1).getJsonNumber("offset").longValue())
                .isEqualTo(offsets.getJsonObject(0).getJsonNumber("offset").longValue() + 1);
        assertThat(offsets.getJsonObject(2).getInt("partition")).isEqualTo(2);

        Http.Reply read = Http.get("/api/topics/" + topic + "/partitions/" + keyed + "/records?offset=0&limit=10");
        assertThat(read.status()).as(read.toString()).isEqualTo(200);
        List<JsonObject> records = new ArrayList<>();
        read.object().getJsonArray("records").forEach(v -> records.add(v.asJsonObject()));
        JsonObject first = records.stream().filter(r -> "order-1".equals(r.getString("key", null))).findFirst().orElseThrow();
        assertThat(first.getJsonObject("value").getString("event")).isEqualTo("placed");
        assertThat(first.getJsonObject("value").getJsonNumber("total").doubleValue()).isEqualTo(42.5);
        assertThat(first.getJsonObject("headers").getString("source")).isEqualTo("web");
        assertThat(first.getJsonNumber("timestamp").longValue()).isPositive();
        assertThat(records.stream().filter(r -> "order-1".equals(r.getString("key", null)))
                .map(r -> r.get("value")).toList()).element(1).hasToString("\"shipped\"");
        assertThat(read.object().getJsonNumber("nextOffset").longValue()).isEqualTo(logEnd(topic, keyed));

        JsonObject d = describe(topic);
        assertThat(d.getJsonObject("configs").getString("retention.ms")).isEqualTo("86400000");
        JsonArray partitions = d.getJsonArray("partitions");
        assertThat(partitions).hasSize(3);
        long total = 0;
        for (JsonValue v : partitions) {
            JsonObject p = v.asJsonObject();
            total += p.getJsonNumber("logEndOffset").longValue();
            assertThat(p.getJsonNumber("highWatermark").longValue()).isEqualTo(p.getJsonNumber("logEndOffset").longValue());
            assertThat(p.getJsonNumber("logStartOffset").longValue()).isZero();
            assertThat(p.getJsonArray("segments")).isNotEmpty();
        }
        assertThat(total).isEqualTo(5);
        assertThat(partitions.getJsonObject(keyed).getJsonNumber("sizeInBytes").longValue()).isPositive();

        assertThat(Http.delete("/api/topics/" + topic).status()).isEqualTo(204);
        assertProblem(Http.get("/api/topics/" + topic), 404, "unknown-topic");
    }

    @Test
    void malformedJsonIsRejectedAndCreatesNoTopic() {
        String topic = uniqueTopic("malformed");
        assertProblem(Http.postJson("/api/topics", "{\"name\":\"" + topic + "\",\"partitions\":"), 400, "malformed-json");
        assertProblem(Http.get("/api/topics/" + topic), 404, "unknown-topic");
        assertThat(Http.get("/api/topics").array().stream().map(v -> v.asJsonObject().getString("name"))).doesNotContain(topic);
    }

    @Test
    void badFieldsAreRejectedAndWriteNothing() {
        String topic = uniqueTopic("fields");
        assertProblem(Http.postJson("/api/topics", "{\"name\":\"" + topic + "\",\"partitions\":\"three\"}"), 400, "invalid-request");
        assertProblem(Http.postJson("/api/topics", "{\"name\":\"" + topic + "\",\"configs\":{\"retention.ms\":\"soon\"}}"), 400, "invalid-config");
        assertProblem(Http.postJson("/api/topics", "{\"name\":\"bad/name\"}"), 400, "invalid-config");
        assertProblem(Http.get("/api/topics/" + topic), 404, "unknown-topic");

        assertThat(Http.postJson("/api/topics", "{\"name\":\"" + topic + "\"}").status()).isEqualTo(201);
        assertProblem(Http.postJson("/api/topics/" + topic + "/records", "{\"value\":1}"), 400, "invalid-request");
        assertProblem(Http.postJson("/api/topics/" + topic + "/records", "[{\"value\":1},{\"vlaue\":2}]"), 400, "invalid-request");
        assertProblem(Http.postJson("/api/topics/" + topic + "/records", "[{\"value\":1,\"partition\":5}]"), 400, "invalid-request");
        assertProblem(Http.postJson("/api/topics/" + topic + "/records", "[{\"value\":1}"), 400, "malformed-json");
        assertThat(logEnd(topic, 0)).isZero();

        Http.Reply outOfRange = Http.get("/api/topics/" + topic + "/partitions/0/records?offset=5");
        assertProblem(outOfRange, 416, "offset-out-of-range");
        assertThat(outOfRange.object().getJsonNumber("logEndOffset").longValue()).isZero();
        assertProblem(Http.get("/api/topics/" + topic + "/partitions/0/records?limit=many"), 400, "invalid-request");
    }

    @Test
    void unknownTopicOrPartitionIs404() {
        assertProblem(Http.get("/api/topics/no-such-topic"), 404, "unknown-topic");
        assertProblem(Http.postJson("/api/topics/no-such-topic/records", "[{\"value\":1}]"), 404, "unknown-topic");
        assertProblem(Http.delete("/api/topics/no-such-topic"), 404, "unknown-topic");
        String topic = uniqueTopic("parts");
        assertThat(Http.postJson("/api/topics", "{\"name\":\"" + topic + "\",\"partitions\":2}").status()).isEqualTo(201);
        assertProblem(Http.get("/api/topics/" + topic + "/partitions/2/records"), 404, "unknown-topic");
        assertProblem(Http.get("/api/topics/" + topic + "/partitions/x/records"), 404, "unknown-topic");
    }

    @Test
    void unknownPathsAndWrongMediaTypesAreProblemsToo() {
        Http.Reply unknown = Http.get("/api/no-such-resource");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        Http.Reply notJson = Http.post("/api/topics", "text/plain", "{\"name\":\"t\"}");
        assertThat(notJson.status()).isEqualTo(415);
        assertThat(notJson.object().getString("detail")).contains("Content-Type: application/json");
    }

    @Test
    void duplicateTopicIs409() {
        String topic = uniqueTopic("dup");
        assertThat(Http.postJson("/api/topics", "{\"name\":\"" + topic + "\",\"partitions\":2}").status()).isEqualTo(201);
        assertProblem(Http.postJson("/api/topics", "{\"name\":\"" + topic + "\",\"partitions\":4}"), 409, "topic-exists");
        assertThat(describe(topic).getInt("partitionCount")).isEqualTo(2);
    }

    @Test
    void oversizedBodyIs413AndWritesNothing() {
        String topic = uniqueTopic("big");
        assertThat(Http.postJson("/api/topics", "{\"name\":\"" + topic + "\"}").status()).isEqualTo(201);
        assertThat(Http.postJson("/api/topics/" + topic + "/records", "[{\"value\":\"small\"}]").status()).isEqualTo(200);
        long before = logEnd(topic, 0);

        String big = "[{\"value\":\"" + "x".repeat(1024 * 1024 + 10) + "\"}]";
        assertProblem(Http.postJson("/api/topics/" + topic + "/records", big), 413, "content-too-large");
        assertProblem(Http.postJsonChunked("/api/topics/" + topic + "/records", big.getBytes(StandardCharsets.UTF_8)),
                413, "content-too-large");
        assertThat(logEnd(topic, 0)).isEqualTo(before);
    }
}
