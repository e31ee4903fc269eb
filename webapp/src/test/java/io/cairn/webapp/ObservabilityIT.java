package io.cairn.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Health, metrics and OpenAPI of the real WAR on a real Liberty. */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
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
    void openApiDocumentsTheRestApi() {
        Http.Reply r = Http.get("/openapi");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("/api/topics").contains("/api/topics/{name}/records")
                .contains("/api/topics/{name}/partitions/{partition}/records").contains("/api/stats").contains("/api/groups");
    }
}
