package io.cairn.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Health, metrics and OpenAPI of the real WAR on a real Liberty, with stock Kafka clients as traffic. */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ObservabilityIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.cairnWar();
    }

    @BeforeEach
    void ready() {
        Http.awaitReady(Duration.ofSeconds(60));
    }

    @Test
    void theDatabaseIsChosenAndReady() {
        Http.Reply r = Http.get("/health/ready");
        JsonObject db = r.object().getJsonArray("checks").stream().map(c -> c.asJsonObject())
                .filter(c -> c.getString("name").equals("cairn-database-ready")).findFirst().orElseThrow();
        assertThat(db.getString("status")).as(db.toString()).isEqualTo("UP");
        assertThat(db.getJsonObject("data").getString("source")).isIn("CONFIGURED", "LOCAL", "EMBEDDED");
        assertThat(db.getJsonObject("data").getString("url")).startsWith("jdbc:postgresql://").endsWith("/cairn_it");
    }

    @Test
    void readyAndLiveAreUp() {
        for (String check : new String[] {"ready", "live"}) {
            Http.Reply r = Http.get("/health/" + check);
            assertThat(r.status()).as(check + ": " + r).isEqualTo(200);
            JsonObject health = r.object();
            assertThat(health.getString("status")).isEqualTo("UP");
            JsonObject engine = health.getJsonArray("checks").stream().map(c -> c.asJsonObject())
                    .filter(c -> c.getString("name").equals("cairn-log-engine-" + check)).findFirst().orElseThrow();
            assertThat(engine.getString("status")).isEqualTo("UP");
            assertThat(engine.getJsonObject("data").getString("state")).isEqualTo("OPEN");
        }
    }

    @Test
    void metricsCountProducedRecordsAndErrors() {
        String topic = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(Http.postJson("/api/topics", "{\"name\":\"" + topic + "\",\"partitions\":2}").status()).isEqualTo(201);
        for (String batch : new String[] {"[{\"value\":1},{\"value\":2},{\"value\":3}]", "[{\"value\":4},{\"value\":5}]"}) {
            Http.Reply produced = Http.postJson("/api/topics/" + topic + "/records", batch);
            assertThat(produced.status()).as(produced.toString()).isEqualTo(200);
        }
        assertThat(Http.get("/api/topics/no-such-topic").status()).isEqualTo(404);

        Http.Reply metrics = Http.get("/metrics");
        assertThat(metrics.status()).as(metrics.toString()).isEqualTo(200);
        String text = metrics.body();
        assertThat(text).containsPattern("cairn_produce_records_total\\{[^}]*topic=\"" + topic + "\"[^}]*\\} 5\\.0");
        assertThat(text).contains("cairn_produce_bytes_total{").contains("cairn_produce_latency_seconds_count{");
        // keyless records go round robin: partition 0 got records 1, 3, 5
        assertThat(text).containsPattern("cairn_partition_log_end_offset\\{[^}]*partition=\"0\"[^}]*topic=\"" + topic + "\"[^}]*\\} 3\\.0");
        assertThat(text).containsPattern("cairn_partition_size_bytes\\{[^}]*partition=\"1\"[^}]*topic=\"" + topic + "\"[^}]*\\} [1-9]");
        assertThat(text).containsPattern("cairn_request_errors_total\\{[^}]*status=\"404\"");
    }

    @Test
    void kafkaTrafficShowsInLatencyBytesLagAndErrorMetricsAndDeletedTopicsLeave() throws Exception {
        String topic = "kmetrics-" + UUID.randomUUID().toString().substring(0, 8);
        String group = "kmetrics-group-" + UUID.randomUUID().toString().substring(0, 8);
        // Created through Kafka, at runtime: nobody tells the metrics, they must find it themselves.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaClients.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all()
                    .get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicExistsException.class);
        }
        try (KafkaProducer<String, String> producer = KafkaClients.producer()) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "value-" + i)).get(60, TimeUnit.SECONDS);
            }
        }
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(group)) {
            consumer.subscribe(List.of(topic));
            assertThat(KafkaClients.pollUntil(consumer, 10)).hasSize(10);
            // Commit 6 of the 10: the group lags 4 behind the high watermark.
            consumer.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(6)), Duration.ofSeconds(60));
        }

        String p0 = "\\{[^}]*partition=\"0\"[^}]*topic=\"" + topic + "\"[^}]*\\} ";
        String text = awaitMetrics("cairn_consumer_lag\\{[^}]*group=\"" + group + "\"[^}]*partition=\"0\"[^}]*topic=\""
                + topic + "\"[^}]*\\} 4\\.0");
        assertThat(text).containsPattern("cairn_partition_log_end_offset" + p0 + "10\\.0")
                .containsPattern("cairn_partition_high_watermark" + p0 + "10\\.0")
                .containsPattern("cairn_partition_appended_records" + p0 + "10\\.0")
                .containsPattern("cairn_partition_appended_bytes" + p0 + "[1-9]")
                .containsPattern("cairn_partitions_under_replicated\\{[^}]*\\} 0\\.0");
        // Latency histograms per Kafka API, with buckets; bytes in and out; error codes by API.
        assertThat(text).containsPattern("cairn_kafka_request_latency_seconds_bucket\\{[^}]*api=\"Produce\"[^}]*le=\"0\\.005\"[^}]*\\} [0-9]")
                .containsPattern("cairn_kafka_request_latency_seconds_count\\{[^}]*api=\"Produce\"[^}]*\\} ([1-9][0-9]+|[1-9])")
                .containsPattern("cairn_kafka_request_latency_seconds_count\\{[^}]*api=\"Fetch\"[^}]*\\} [1-9]")
                .containsPattern("cairn_kafka_request_bytes_total\\{[^}]*api=\"Produce\"[^}]*\\} [1-9]")
                .containsPattern("cairn_kafka_response_bytes_total\\{[^}]*api=\"Fetch\"[^}]*\\} [1-9]")
                .containsPattern("cairn_kafka_request_errors_total\\{[^}]*api=\"CreateTopics\"[^}]*error=\"TOPIC_ALREADY_EXISTS\"[^}]*\\} 1\\.0");

        assertThat(Http.delete("/api/topics/" + topic).status()).isEqualTo(204);
        String after = Http.get("/metrics").body();
        assertThat(after).as("a deleted topic's gauges go with it")
                .doesNotContain("topic=\"" + topic + "\"");
    }

    /** Polls {@code /metrics} until {@code pattern} shows (gauges of new topics and groups appear within seconds). */
    private static String awaitMetrics(String pattern) throws InterruptedException {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(pattern);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String text;
        do {
            Http.Reply r = Http.get("/metrics");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            text = r.body();
            if (p.matcher(text).find()) {
                return text;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("No metric matching " + pattern + " within 30 s in:\n" + text);
    }

    @Test
    void openApiDocumentsTheRestApi() {
        Http.Reply r = Http.get("/openapi");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("/api/topics").contains("/api/topics/{name}/records")
                .contains("/api/topics/{name}/partitions/{partition}/records").contains("/api/stats").contains("/api/groups");
    }
}
