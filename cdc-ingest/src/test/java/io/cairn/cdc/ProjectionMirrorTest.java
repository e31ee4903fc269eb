package io.cairn.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;

/**
 * A projection over a CDC topic (a plain consumer applying each change to a table in another database, with its
 * consumed offset in the same transaction) ends up with the source table's rows, row for row.
 */
class ProjectionMirrorTest {
    private static final String SOURCE = "cdc_proj_source";
    private static final String VIEW = "cdc_proj_view";
    private static final String NAME = "cdc_proj";
    private static final String TOPIC = NAME + ".public.accounts";

    @TempDir
    Path dir;
    LogEngine engine;
    CdcService cdc;

    @BeforeEach
    void setUp() throws Exception {
        TestDatabases.freshPg(SOURCE);
        TestDatabases.freshPg(VIEW);
        try (Connection c = TestDatabases.pg(SOURCE); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) NOT NULL)");
            s.execute("INSERT INTO accounts SELECT g, 'owner-' || g, g * 10 FROM generate_series(1, 20) g");
        }
        try (Connection c = TestDatabases.pg(VIEW); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE accounts_view (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) NOT NULL)");
            s.execute("CREATE TABLE consumed (topic text PRIMARY KEY, next_offset bigint NOT NULL)");
        }
        engine = LogEngine.open(LogEngineConfig.builder(dir).build());
        cdc = new CdcService(engine, Thread::new);
        cdc.start(Map.of());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (cdc != null) {
            cdc.close();
        }
        if (engine != null) {
            engine.close();
        }
        TestDatabases.dropPg(SOURCE);
        TestDatabases.dropPg(VIEW);
    }

    @Test
    void theViewMirrorsTheSourceTableRowForRow() throws Exception {
        cdc.create(NAME, TestDatabases.pgConnector(SOURCE, NAME, "public.accounts"));
        Random random = new Random(7);
        try (Connection c = TestDatabases.pg(SOURCE)) {
            await().atMost(Duration.ofSeconds(90)).until(() -> cdc.status(NAME).state() == ConnectorState.STREAMING);
            for (int i = 0; i < 400; i++) {
                int id = 1 + random.nextInt(40);
                int what = random.nextInt(10);
                String sql = what < 2 ? "DELETE FROM accounts WHERE id = ?"
                        : "INSERT INTO accounts VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET balance = EXCLUDED.balance, owner = EXCLUDED.owner";
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setInt(1, id);
                    if (what >= 2) {
                        ps.setString(2, "owner-" + id + "-" + i);
                        ps.setBigDecimal(3, java.math.BigDecimal.valueOf(random.nextInt(100_000), 2));
                    }
                    ps.executeUpdate();
                }
            }
        }
        Map<Integer, String> source = rows(SOURCE, "accounts");
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            project();
            return rows(VIEW, "accounts_view").equals(source);
        });
        assertThat(rows(VIEW, "accounts_view")).isEqualTo(source).isNotEmpty();
    }

    /** Applies the topic's records after the stored offset to the view, offset and rows in one transaction. */
    private void project() throws Exception {
        try (Connection c = TestDatabases.pg(VIEW)) {
            c.setAutoCommit(false);
            long from = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT next_offset FROM consumed WHERE topic = ?")) {
                ps.setString(1, TOPIC);
                try (ResultSet r = ps.executeQuery()) {
                    if (r.next()) {
                        from = r.getLong(1);
                    }
                }
            }
            List<TopicRecords.Rec> recs = TopicRecords.read(engine, TOPIC);
            long next = from;
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO accounts_view VALUES (?, ?, ?) "
                    + "ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, balance = EXCLUDED.balance");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM accounts_view WHERE id = ?")) {
                for (TopicRecords.Rec r : recs) {
                    if (r.offset() < from) {
                        continue;
                    }
                    next = r.offset() + 1;
                    if (r.value() == null) {
                        continue; // tombstone: the delete before it did the work
                    }
                    var after = r.value().path("after");
                    if (after.isNull()) {
                        delete.setInt(1, r.key().path("id").asInt());
                        delete.executeUpdate();
                    } else {
                        upsert.setInt(1, after.path("id").asInt());
                        upsert.setString(2, after.path("owner").asText());
                        upsert.setBigDecimal(3, new java.math.BigDecimal(after.path("balance").asText()));
                        upsert.executeUpdate();
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO consumed VALUES (?, ?) "
                    + "ON CONFLICT (topic) DO UPDATE SET next_offset = EXCLUDED.next_offset")) {
                ps.setString(1, TOPIC);
                ps.setLong(2, next);
                ps.executeUpdate();
            }
            c.commit();
        }
    }

    private static Map<Integer, String> rows(String db, String table) throws Exception {
        Map<Integer, String> out = new TreeMap<>();
        try (Connection c = TestDatabases.pg(db); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT id, owner, balance FROM " + table)) {
            while (r.next()) {
                out.put(r.getInt(1), r.getString(2) + "|" + r.getBigDecimal(3).toPlainString());
            }
        }
        return out;
    }
}
