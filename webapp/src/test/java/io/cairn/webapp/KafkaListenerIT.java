package io.cairn.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Kafka listener hosted by the WAR on a real Liberty, driven by the stock kafka-clients producer and consumer:
 * what Kafka clients write, REST reads, and what REST writes, a consumer group reads; the group's lag shows at
 * {@code /api/groups}; the listener has a readiness check and is in the start-up banner.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaListenerIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.cairnWar();
    }

    @BeforeEach
    void ready() {
        Http.awaitReady(Duration.ofSeconds(90));
    }

    private static String createTopic(String prefix, int partitions) {
        String topic = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        Http.Reply created = Http.postJson("/api/topics", "{\"name\":\"" + topic + "\",\"partitions\":" + partitions + "}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return topic;
    }

    @Test
    void recordsProducedOverKafkaAreReadOverRest() throws Exception {
        String topic = createTopic("from-kafka", 2);
        List<RecordMetadata> sent = new ArrayList<>();
        try (KafkaProducer<String, String> p = KafkaClients.producer()) {
            for (int i = 0; i < 10; i++) {
                sent.add(p.send(new ProducerRecord<>(topic, "key-" + (i % 3), "{\"n\":" + i + "}")).get(60, TimeUnit.SECONDS));
            }
        }
        assertThat(sent).extracting(RecordMetadata::partition).containsOnly(0, 1);

        List<String> values = new ArrayList<>();
        for (int partition = 0; partition < 2; partition++) {
            Http.Reply read = Http.get("/api/topics/" + topic + "/partitions/" + partition + "/records?offset=0&limit=100");
            assertThat(read.status()).as(read.toString()).isEqualTo(200);
            for (JsonValue v : read.object().getJsonArray("records")) {
                JsonObject r = v.asJsonObject();
                assertThat(r.getString("key")).startsWith("key-");
                values.add(r.getJsonObject("value").toString());
            }
        }
        assertThat(values).hasSize(10).contains("{\"n\":0}", "{\"n\":9}");
        // The same key lands on the same partition from Kafka and from REST (murmur2).
        Http.Reply rest = Http.postJson("/api/topics/" + topic + "/records", "[{\"key\":\"key-1\",\"value\":1}]");
        assertThat(rest.status()).as(rest.toString()).isEqualTo(200);
        assertThat(rest.object().getJsonArray("offsets").getJsonObject(0).getInt("partition")).isEqualTo(sent.get(1).partition());

        JsonObject stats = Http.get("/api/stats").object().getJsonArray("topics").stream().map(JsonValue::asJsonObject)
                .filter(t -> t.getString("name").equals(topic)).findFirst().orElseThrow();
        assertThat(stats.getJsonNumber("appendedRecords").longValue()).as("Kafka and REST appends alike").isEqualTo(11);
        assertThat(stats.getJsonNumber("logEndOffset").longValue()).isEqualTo(11);
        assertThat(stats.getJsonNumber("appendedBytes").longValue()).isPositive();
    }

    @Test
    void recordsProducedOverRestAreConsumedByAGroupWhoseLagShows() {
        String topic = createTopic("to-kafka", 2);
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 20; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"key\":\"order-").append(i).append("\",\"value\":{\"total\":").append(i)
                    .append("},\"headers\":{\"source\":\"rest\"}}");
        }
        Http.Reply produced = Http.postJson("/api/topics/" + topic + "/records", batch.append("]").toString());
        assertThat(produced.status()).as(produced.toString()).isEqualTo(200);

        String group = "it-" + UUID.randomUUID().toString().substring(0, 8);
        try (KafkaConsumer<String, String> c = KafkaClients.consumer(group)) {
            c.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> got = KafkaClients.pollUntil(c, 20);
            assertThat(got).hasSize(20);
            ConsumerRecord<String, String> first = got.stream().filter(r -> r.key().equals("order-1")).findFirst().orElseThrow();
            assertThat(first.value()).isEqualTo("{\"total\":1}");
            assertThat(new String(first.headers().lastHeader("source").value(), StandardCharsets.UTF_8)).isEqualTo("rest");
            c.commitSync(Duration.ofSeconds(60));

            JsonObject g = group(group);
            assertThat(g.getString("state")).isEqualTo("Stable");
            assertThat(g.getInt("members")).isEqualTo(1);
            assertThat(g.getJsonNumber("lag").longValue()).isZero();
            assertThat(g.getJsonArray("partitions")).hasSize(2);

            Http.Reply more = Http.postJson("/api/topics/" + topic + "/records", "[{\"value\":1},{\"value\":2},{\"value\":3}]");
            assertThat(more.status()).isEqualTo(200);
            assertThat(group(group).getJsonNumber("lag").longValue()).as("3 records not consumed yet").isEqualTo(3);
        }
    }

    private static JsonObject group(String id) {
        Http.Reply groups = Http.get("/api/groups");
        assertThat(groups.status()).as(groups.toString()).isEqualTo(200);
        return groups.array().stream().map(JsonValue::asJsonObject).filter(o -> o.getString("groupId").equals(id))
                .findFirst().orElseThrow(() -> new AssertionError("no group " + id + " in " + groups));
    }

    @Test
    void theListenerHasAReadinessCheckStatsAndABannerLine() throws Exception {
        Http.Reply ready = Http.get("/health/ready");
        JsonObject check = ready.object().getJsonArray("checks").stream().map(JsonValue::asJsonObject)
                .filter(c -> c.getString("name").equals("cairn-kafka-listener-ready")).findFirst().orElseThrow();
        assertThat(check.getString("status")).isEqualTo("UP");
        assertThat(check.getJsonObject("data").getString("state")).isEqualTo("LISTENING");
        String address = check.getJsonObject("data").getString("address");
        assertThat(address).matches("localhost:[1-9][0-9]*").isEqualTo(KafkaClients.bootstrap());
        assertThat(check.getJsonObject("data").getInt("connections")).isNotNegative();

        Path log = Path.of(System.getProperty("wlpHome"), "usr", "servers", "cairn-it", "logs", "messages.log");
        assertThat(Files.readString(log)).contains("Kafka     " + address + "  (bootstrap.servers)");
    }
}
