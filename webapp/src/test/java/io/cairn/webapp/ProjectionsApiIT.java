package io.cairn.webapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
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
 * The bank read models inside the real WAR on Liberty, against the platform PostgreSQL: events produced through REST
 * land in the views (balances through JDBC, history through EclipseLink); /api/projections reports lag, rebuilds
 * with progress, resets, lists dead letters and refuses bad input with problem documents; /metrics has the gauges.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ProjectionsApiIT {
    private static final String VIEWS = "proj_it"; // cairn.projections.read.schema of the test server

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.cairnWar();
    }

    @BeforeEach
    void ready() {
        Http.awaitReady(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(90)).until(() -> Http.get("/api/projections").object().getString("state").equals("RUNNING"));
        for (String t : List.of("bank-accounts", "bank-transfers")) {
            Http.Reply r = Http.postJson("/api/topics", "{\"name\":\"" + t + "\",\"partitions\":2}");
            assertThat(r.status()).as(r.toString()).isIn(201, 409);
        }
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
        String a = "it-" + UUID.randomUUID().toString().substring(0, 8);
        String b = a + "-b";
        event("bank-accounts", a, "AccountOpened", "{\"accountId\":\"" + a + "\",\"owner\":\"Ada\",\"overdraftLimit\":500}");
        event("bank-accounts", b, "AccountOpened", "{\"accountId\":\"" + b + "\",\"owner\":\"Bob\",\"overdraftLimit\":0}");
        event("bank-transfers", "t-" + a, "TransferRequested", "{\"transferId\":\"t-" + a + "\",\"fromAccount\":\"" + a
                + "\",\"toAccount\":\"" + b + "\",\"amount\":250}");
        event("bank-accounts", a, "MoneyDeposited", "{\"accountId\":\"" + a + "\",\"amount\":1000,\"transferId\":null}");
        event("bank-accounts", a, "MoneyWithdrawn", "{\"accountId\":\"" + a + "\",\"amount\":250,\"transferId\":\"t-" + a + "\"}");
        event("bank-accounts", b, "MoneyDeposited", "{\"accountId\":\"" + b + "\",\"amount\":250,\"transferId\":\"t-" + a + "\"}");
        event("bank-transfers", "t-" + a, "TransferCompleted", "{\"transferId\":\"t-" + a + "\"}");
        awaitNoLag();

        assertThat(query("SELECT balance FROM " + VIEWS + ".account_balances WHERE account_id = '" + a + "'")).isEqualTo("750");
        assertThat(query("SELECT owner FROM " + VIEWS + ".account_balances WHERE account_id = '" + b + "'")).isEqualTo("Bob");
        assertThat(query("SELECT count(*) FROM " + VIEWS + ".transaction_history WHERE account_id IN ('" + a + "', '" + b + "')"))
                .isEqualTo("3");
        assertThat(Long.parseLong(query("SELECT sum(transfers_completed) FROM " + VIEWS + ".daily_totals"))).isPositive();
        assertThat(query("SELECT obj_description('" + VIEWS + ".transaction_history'::regclass, 'pg_class')")).contains("deposit");

        JsonObject balances = status("account_balances");
        assertThat(balances.getString("state")).isEqualTo("RUNNING");
        assertThat(balances.getJsonArray("partitions")).hasSize(2);
        assertThat(status("transaction_history").getString("state")).isEqualTo("RUNNING");
        assertThat(status("daily_totals").getJsonArray("partitions")).hasSize(4);

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
        assertThat(query("SELECT balance FROM " + VIEWS + ".account_balances WHERE account_id = '" + a + "'")).isEqualTo("750");

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
        String a = "it-" + UUID.randomUUID().toString().substring(0, 8);
        event("bank-accounts", a, "AccountOpened", "{\"accountId\":\"" + a + "\",\"owner\":\"Eve\",\"overdraftLimit\":0}");
        event("bank-accounts", a, "MoneyDeposited", "{\"accountId\":\"" + a + "\",\"amount\":\"a lot\"}");
        awaitNoLag();
        Http.Reply letters = Http.get("/api/projections/dead-letters?projection=account_balances&limit=1000");
        assertThat(letters.status()).as(letters.toString()).isEqualTo(200);
        JsonObject mine = letters.array().stream().map(v -> v.asJsonObject())
                .filter(d -> a.equals(d.getString("key"))).findFirst().orElseThrow();
        assertThat(mine.getString("type")).isEqualTo("MoneyDeposited");
        assertThat(mine.getString("error")).contains("amount");
        assertThat(mine.getString("topic")).isEqualTo("bank-accounts");
        assertThat(Http.get("/api/projections").object().getString("deadLetterTopic")).isEqualTo("cairn-projections-dead-letters");

        long offset = mine.getJsonNumber("deadLetterOffset").longValue();
        Http.Reply again = Http.post("/api/projections/account_balances/dead-letters/" + offset + "/replay", "application/json", "");
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
        Http.Reply resumed = Http.post("/api/projections/account_balances/resume", "application/json", "");
        assertThat(resumed.status()).as(resumed.toString()).isEqualTo(202);
        assertThat(resumed.object().getString("name")).isEqualTo("account_balances");
        awaitNoLag();
    }
}
