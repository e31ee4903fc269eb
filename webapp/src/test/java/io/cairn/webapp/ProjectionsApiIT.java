package io.cairn.webapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
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

/**
 * The bank read models inside the real WAR on Liberty, against the platform PostgreSQL: commands to the SDK's bank API
 * become rows in the views (balances through JDBC, history through EclipseLink); /api/projections reports lag,
 * rebuilds with progress, resets, lists dead letters (of a test projection added to the WAR, {@link ItProjection})
 * and refuses bad input with problem documents; /metrics has the gauges.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ProjectionsApiIT {
    /** cairn.projections.read.schema of the test server (named after its port, see the pom). */
    private static final String VIEWS = System.getProperty("cairn.it.projections.views", "proj_it_19080");

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.cairnWar().addClass(ItProjection.class);
    }

    @BeforeEach
    void ready() {
        Http.awaitReady(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(90)).until(() -> Http.get("/api/projections").object().getString("state").equals("RUNNING"));
        Http.Reply r = Http.postJson("/api/topics", "{\"name\":\"" + ItProjection.TOPIC + "\",\"partitions\":1}");
        assertThat(r.status()).as(r.toString()).isIn(201, 409);
    }

    private static void post(String path, String json, int status) {
        Http.Reply r = Http.postJson(path, json);
        assertThat(r.status()).as(path + ": " + r).isEqualTo(status);
    }

    private static void event(String topic, String key, String type, String json) {
        Http.Reply r = Http.postJson("/api/topics/" + topic + "/records", "[{\"key\":\"" + key + "\",\"value\":" + json
                + ",\"headers\":{\"cairn-event-type\":\"" + type + "\"}}]");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    private static JsonObject status(String name) {
        return Http.get("/api/projections").object().getJsonArray("projections").stream().map(v -> v.asJsonObject())
                .filter(p -> p.getString("name").equals(name)).findFirst().orElseThrow();
    }

    private static void awaitNoLag() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                Http.get("/api/projections").object().getJsonArray("projections").stream()
                        .allMatch(p -> p.asJsonObject().getJsonNumber("lag").longValue() == 0));
    }

    private static String query(String sql) throws Exception {
        String url = Http.get("/health/ready").object().getJsonArray("checks").stream().map(c -> c.asJsonObject())
                .filter(c -> c.getString("name").equals("cairn-database-ready")).findFirst().orElseThrow()
                .getJsonObject("data").getString("url");
        try (Connection c = DriverManager.getConnection(url, "postgres", null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void bankEventsBecomeRowsAndTheApiReportsAndRebuilds() throws Exception {
        // Commands through the SDK's bank API: its aggregates write the events, the projections turn them into rows.
        String a = "proj-" + UUID.randomUUID().toString().substring(0, 8);
        String b = a + "-b";
        String t = a + "-t";
        post("/api/bank/accounts", "{\"accountId\":\"" + a + "\",\"owner\":\"Ada\"}", 201);
        post("/api/bank/accounts", "{\"accountId\":\"" + b + "\",\"owner\":\"Bob\"}", 201);
        post("/api/bank/accounts/" + a + "/deposits", "{\"amount\":1000}", 200);
        post("/api/bank/accounts/" + a + "/withdrawals", "{\"amount\":200}", 200);
        post("/api/bank/transfers", "{\"transferId\":\"" + t + "\",\"fromAccount\":\"" + a + "\",\"toAccount\":\""
                + b + "\",\"amount\":250}", 202);
        await().atMost(Duration.ofSeconds(60)).until(() ->
                Http.get("/api/bank/transfers/" + t).object().getString("status").equals("COMPLETED"));
        awaitNoLag();

        assertThat(query("SELECT balance FROM " + VIEWS + ".account_balances WHERE account_id = '" + a + "'")).isEqualTo("550");
        assertThat(query("SELECT balance FROM " + VIEWS + ".account_balances WHERE account_id = '" + b + "'")).isEqualTo("250");
        assertThat(query("SELECT owner FROM " + VIEWS + ".account_balances WHERE account_id = '" + b + "'")).isEqualTo("Bob");
        assertThat(Http.get("/api/bank/accounts/" + a).object().getJsonNumber("balance").longValue()).isEqualTo(550);
        assertThat(query("SELECT string_agg(kind || ':' || amount, ',' ORDER BY occurred_at, amount) FROM " + VIEWS
                + ".transaction_history WHERE account_id = '" + a + "'")).isEqualTo("deposit:1000,withdrawal:200,withdrawal:250");
        assertThat(query("SELECT count(*) FROM " + VIEWS + ".transaction_history WHERE transfer_id = '" + t + "'")).isEqualTo("2");
        assertThat(Long.parseLong(query("SELECT sum(transfers_completed) FROM " + VIEWS + ".daily_totals"))).isPositive();
        assertThat(query("SELECT obj_description('" + VIEWS + ".transaction_history'::regclass, 'pg_class')")).contains("deposit");

        JsonObject balances = status("account_balances");
        assertThat(balances.getString("state")).isEqualTo("RUNNING");
        int accountPartitions = balances.getJsonArray("partitions").size();
        assertThat(accountPartitions).isPositive();
        assertThat(status("transaction_history").getString("state")).isEqualTo("RUNNING");
        assertThat(status("daily_totals").getJsonArray("partitions").size()).isGreaterThan(accountPartitions);

        // zero-downtime rebuild, with progress
        int generation = balances.getInt("generation");
        Http.Reply started = Http.post("/api/projections/account_balances/rebuild", "application/json", "");
        assertThat(started.status()).as(started.toString()).isEqualTo(202);
        assertThat(started.object().getInt("generation")).isEqualTo(generation + 1);
        assertThat(started.object().getJsonNumber("total").longValue()).isPositive();
        await().atMost(Duration.ofSeconds(60)).until(() ->
                Http.get("/api/projections/account_balances/rebuild").object().getString("state").equals("DONE"));
        JsonObject done = Http.get("/api/projections/account_balances/rebuild").object();
        assertThat(done.getJsonNumber("done").longValue()).isEqualTo(done.getJsonNumber("total").longValue());
        assertThat(Http.get("/api/projections/account_balances").object().getInt("generation")).isEqualTo(generation + 1);
        assertThat(query("SELECT balance FROM " + VIEWS + ".account_balances WHERE account_id = '" + a + "'")).isEqualTo("550");

        // reset: replays in place
        Http.Reply reset = Http.post("/api/projections/daily_totals/reset", "application/json", "");
        assertThat(reset.status()).as(reset.toString()).isEqualTo(202);
        awaitNoLag();
        assertThat(Long.parseLong(query("SELECT sum(transfers_completed) FROM " + VIEWS + ".daily_totals"))).isPositive();

        await().atMost(Duration.ofSeconds(30)).until(() -> Http.get("/metrics").body().contains("cairn_projection_lag{"));
        String metrics = Http.get("/metrics").body();
        assertThat(metric(metrics, "cairn_projection_lag", "projection=\"account_balances\"", "topic=\"bank-accounts\"",
                "partition=\"0\"")).isNotNull();
        assertThat(metric(metrics, "cairn_projection_events_per_second", "projection=\"daily_totals\"")).isNotNull();
        assertThat(metric(metrics, "cairn_projection_rebuild_progress", "projection=\"account_balances\"")).endsWith(" 1.0");
        assertThat(metric(metrics, "cairn_projection_generation", "projection=\"account_balances\""))
                .endsWith(" " + (generation + 1) + ".0");
    }

    /** The Prometheus line of {@code name} with all the given labels, or null. */
    private static String metric(String text, String name, String... labels) {
        return text.lines().filter(l -> l.startsWith(name + "{") && java.util.Arrays.stream(labels).allMatch(l::contains))
                .findFirst().orElse(null);
    }

    @Test
    void poisonEventsAreDeadLetteredAndBadRequestsGetProblems() {
        String key = "it-" + UUID.randomUUID().toString().substring(0, 8);
        event(ItProjection.TOPIC, key, "Good", "{\"n\":1}");
        event(ItProjection.TOPIC, key, "Poison", "{\"n\":2}");
        event(ItProjection.TOPIC, key, "Good", "{\"n\":3}");
        awaitNoLag();
        Http.Reply letters = Http.get("/api/projections/dead-letters?projection=it_events&limit=1000");
        assertThat(letters.status()).as(letters.toString()).isEqualTo(200);
        JsonObject mine = letters.array().stream().map(v -> v.asJsonObject())
                .filter(d -> key.equals(d.getString("key"))).findFirst().orElseThrow();
        assertThat(mine.getString("type")).isEqualTo("Poison");
        assertThat(mine.getString("error")).contains("cannot digest");
        assertThat(mine.getString("topic")).isEqualTo(ItProjection.TOPIC);
        assertThat(mine.getInt("attempts")).isEqualTo(3);
        assertThat(status("it_events").getString("state")).isEqualTo("RUNNING"); // it went on past the poison event
        assertThat(Http.get("/api/projections").object().getString("deadLetterTopic")).isEqualTo("cairn-projections-dead-letters");

        long offset = mine.getJsonNumber("deadLetterOffset").longValue();
        Http.Reply again = Http.post("/api/projections/it_events/dead-letters/" + offset + "/replay", "application/json", "");
        assertThat(again.status()).as(again.toString()).isEqualTo(422);
        assertThat(again.contentType()).startsWith("application/problem+json");

        Http.Reply unknown = Http.get("/api/projections/no_such_projection");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.object().getString("type")).endsWith("unknown-projection");
        assertThat(Http.get("/api/projections/dead-letters?limit=0").status()).isEqualTo(400);
        assertThat(Http.get("/api/projections/dead-letters?from=abc").status()).isEqualTo(400);
        assertThat(Http.post("/api/projections/account_balances/dead-letters/x/replay", "application/json", "").status()).isEqualTo(400);
        assertThat(Http.post("/api/projections/account_balances/dead-letters/99999999/replay", "application/json", "").status())
                .isEqualTo(404);
        assertThat(Http.post("/api/projections/nope/rebuild", "application/json", "").status()).isEqualTo(404);
        assertThat(Http.post("/api/projections/nope/resume", "application/json", "").status()).isEqualTo(404);
        Http.Reply notRebuilding = Http.delete("/api/projections/daily_totals/rebuild");
        assertThat(notRebuilding.status()).as(notRebuilding.toString()).isEqualTo(409);
        assertThat(notRebuilding.object().getString("type")).endsWith("projection-conflict");
        Http.Reply resumed = Http.post("/api/projections/it_events/resume", "application/json", "");
        assertThat(resumed.status()).as(resumed.toString()).isEqualTo(202);
        assertThat(resumed.object().getString("name")).isEqualTo("it_events");
        awaitNoLag();
    }
}
