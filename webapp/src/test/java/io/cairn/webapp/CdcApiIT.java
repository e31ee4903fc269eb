package io.cairn.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonObject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Change data capture on a real Liberty: a connector created over REST against the local PostgreSQL streams inserted
 * rows into a topic that a stock Kafka consumer reads from the Liberty-hosted broker; its status, metrics, pause,
 * resume and delete; a bad configuration gets a problem document naming the property. The database must have
 * {@code wal_level=logical} ({@code .ci/services}; {@code -Dcairn.cdc.test.pg=host:port} points elsewhere), else the
 * test is skipped with that reason.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CdcApiIT {
    private static final String PG = System.getProperty("cairn.cdc.test.pg", "127.0.0.1:5432");
    private static final String DB = "cdc_it_shop";

    private final String name = "cdc_it_" + UUID.randomUUID().toString().substring(0, 6);

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.cairnWar();
    }

    @BeforeEach
    void ready() throws Exception {
        Http.awaitReady(Duration.ofSeconds(90));
        try (Connection c = pg("postgres"); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("show wal_level")) {
                r.next();
                Assumptions.assumeTrue("logical".equals(r.getString(1)), "PostgreSQL at " + PG + " has wal_level="
                        + r.getString(1) + "; CDC needs logical (run .ci/services)");
            }
            s.execute("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + DB);
        }
        try (Connection c = pg(DB); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL)");
            s.execute("INSERT INTO orders VALUES (1, 'existing')");
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        Http.delete("/api/cdc/connectors/" + name);
        try (Connection c = pg("postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + name
                    + "' AND NOT active");
            s.execute("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
        }
    }

    private static Connection pg(String db) throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://" + PG + "/" + db, "postgres", "");
    }

    private String config(String extra) {
        return "{\"name\":\"" + name + "\",\"config\":{\"type\":\"postgres\",\"database.hostname\":\""
                + PG.substring(0, PG.indexOf(':')) + "\",\"database.port\":" + PG.substring(PG.indexOf(':') + 1)
                + ",\"database.user\":\"postgres\",\"database.password\":\"\",\"slot.name\":\"" + name
                + "\",\"publication.name\":\"" + name + "\",\"table.include.list\":\"public.orders\"" + extra + "}}";
    }

    @Test
    void aConnectorCreatedOverRestStreamsRowsThatAKafkaConsumerReads() throws Exception {
        Http.Reply bad = Http.postJson("/api/cdc/connectors", config(""));
        assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
        assertThat(bad.object().getString("type")).endsWith("invalid-connector-config");
        assertThat(bad.object().getJsonArray("errors").getString(0)).isEqualTo("database.dbname: required");
        assertThat(Http.get("/api/cdc/connectors/" + name).status()).isEqualTo(404);

        Http.Reply created = Http.postJson("/api/cdc/connectors", config(",\"database.dbname\":\"" + DB + "\""));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.object().getJsonObject("config").getString("database.password")).isEqualTo("********");
        assertThat(Http.postJson("/api/cdc/connectors", config(",\"database.dbname\":\"" + DB + "\"")).status())
                .isEqualTo(409);
        awaitState("STREAMING");

        try (Connection c = pg(DB); Statement s = c.createStatement()) {
            s.execute("INSERT INTO orders VALUES (2, 'book'), (3, 'pen')");
        }
        String topic = name + ".public.orders";
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(name)) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> records = KafkaClients.pollUntil(consumer, 3);
            assertThat(records).hasSize(3);
            assertThat(records).extracting(ConsumerRecord::key)
                    .containsExactly("{\"id\":1}", "{\"id\":2}", "{\"id\":3}");
            assertThat(records.get(0).value()).contains("\"op\":\"r\"").contains("\"item\":\"existing\"");
            assertThat(records.get(2).value()).contains("\"op\":\"c\"").contains("\"after\":{\"id\":3,\"item\":\"pen\"}");
        }

        JsonObject status = Http.get("/api/cdc/connectors/" + name).object();
        assertThat(status.getJsonNumber("capturedChanges").longValue()).isEqualTo(3);
        assertThat(status.getJsonObject("snapshot").getBoolean("completed")).isTrue();
        String metrics = Http.get("/metrics").body();
        assertThat(metrics).contains("cairn_cdc_captured_changes{connector=\"" + name + "\"")
                .contains("cairn_cdc_lag_milliseconds{connector=\"" + name + "\"");

        assertThat(Http.postJson("/api/cdc/connectors/" + name + "/pause", "").object().getString("state"))
                .isEqualTo("PAUSED");
        Http.postJson("/api/cdc/connectors/" + name + "/resume", "");
        awaitState("STREAMING");
        assertThat(Http.get("/api/cdc/connectors").body()).contains(name);

        assertThat(Http.delete("/api/cdc/connectors/" + name).status()).isEqualTo(204);
        assertThat(Http.get("/api/cdc/connectors/" + name).status()).isEqualTo(404);
        try (Connection c = pg("postgres"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + name + "'")) {
            r.next();
            assertThat(r.getLong(1)).as("the deleted connector's slot is dropped").isZero();
        }
    }

    private void awaitState(String state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String last = null;
        while (System.nanoTime() < deadline) {
            Http.Reply r = Http.get("/api/cdc/connectors/" + name);
            last = r.toString();
            if (r.status() == 200 && Set.of(state).contains(r.object().getString("state"))) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Connector " + name + " never reached " + state + ": " + last);
    }
}
