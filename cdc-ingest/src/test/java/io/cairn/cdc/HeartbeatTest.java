package io.cairn.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;

/**
 * Two connectors at once, each on its own database; while their tables are idle and another database writes WAL,
 * heartbeats move each replication slot on, so an idle slot does not hold WAL forever.
 */
class HeartbeatTest {
    private static final String DB_A = "cdc_hb_a";
    private static final String DB_B = "cdc_hb_b";
    private static final String BUSY = "cdc_hb_busy";

    @TempDir
    Path dir;
    LogEngine engine;
    CdcService cdc;

    @BeforeEach
    void setUp() throws Exception {
        for (String db : new String[] {DB_A, DB_B, BUSY}) {
            TestDatabases.freshPg(db);
            try (Connection c = TestDatabases.pg(db); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (id int PRIMARY KEY, v text)");
            }
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
        for (String db : new String[] {DB_A, DB_B, BUSY}) {
            TestDatabases.dropPg(db);
        }
    }

    @Test
    void twoConnectorsStreamAtOnceAndHeartbeatsMoveIdleSlotsOn() throws Exception {
        for (String db : new String[] {DB_A, DB_B}) {
            Map<String, String> config = TestDatabases.pgConnector(db, db, "public.t");
            config.put("heartbeat.interval.ms", "300");
            cdc.create(db, config);
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> cdc.list().stream()
                .allMatch(s -> s.state() == ConnectorState.STREAMING));
        for (String db : new String[] {DB_A, DB_B}) {
            try (Connection c = TestDatabases.pg(db); Statement s = c.createStatement()) {
                s.execute("INSERT INTO t VALUES (1, '" + db + "')");
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> TopicRecords.read(engine, DB_A + ".public.t").size() == 1
                && TopicRecords.read(engine, DB_B + ".public.t").size() == 1);
        assertThat(TopicRecords.read(engine, DB_B + ".public.t").get(0).value().path("after").path("v").asText())
                .isEqualTo(DB_B);

        // WAL written elsewhere while the captured tables stay idle
        String walEnd;
        try (Connection c = TestDatabases.pg(BUSY); Statement s = c.createStatement()) {
            s.execute("INSERT INTO t SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g");
            try (ResultSet r = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                r.next();
                walEnd = r.getString(1);
            }
        }
        for (String slot : new String[] {DB_A, DB_B}) {
            await().atMost(Duration.ofSeconds(60)).until(() -> confirmedPast(slot, walEnd));
        }
        assertThat(TopicRecords.read(engine, DB_A + ".public.t")).hasSize(1);
    }

    private static boolean confirmedPast(String slot, String lsn) throws Exception {
        try (Connection c = TestDatabases.pg("postgres"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT confirmed_flush_lsn >= '" + lsn + "'::pg_lsn FROM pg_replication_slots"
                     + " WHERE slot_name = '" + slot + "'")) {
            return r.next() && r.getBoolean(1);
        }
    }
}
