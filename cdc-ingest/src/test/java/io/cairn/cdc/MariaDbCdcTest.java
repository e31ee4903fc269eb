package io.cairn.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;

/** MariaDB (the dedicated Debezium connector, binlog in ROW format) into Cairn topics, against the real service. */
class MariaDbCdcTest {
    private static final String DB = "cdc_maria_rt";
    private static final String NAME = "cdc_maria";
    private static final String TOPIC = NAME + "." + DB + ".items";

    @TempDir
    Path dir;
    LogEngine engine;
    CdcService cdc;

    @BeforeEach
    void setUp() throws Exception {
        TestDatabases.freshMaria(DB);
        try (Connection c = TestDatabases.maria(DB); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id int PRIMARY KEY, name varchar(50) NOT NULL, qty int)");
            s.execute("INSERT INTO items VALUES (1, 'one', 10), (2, 'two', 20)");
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
        TestDatabases.dropMaria(DB);
    }

    @Test
    void snapshotThenChangesAndASchemaChangeSurviveARestartFromTheLogsSchemaHistory() throws Exception {
        cdc.create(NAME, TestDatabases.mariaConnector(DB, NAME));
        await().atMost(Duration.ofSeconds(120)).until(() -> cdc.status(NAME).state() == ConnectorState.STREAMING
                && TopicRecords.read(engine, TOPIC).size() == 2);
        try (Connection c = TestDatabases.maria(DB); Statement s = c.createStatement()) {
            s.execute("INSERT INTO items VALUES (3, 'three', 30)");
            s.execute("UPDATE items SET qty = 11 WHERE id = 1");
            s.execute("DELETE FROM items WHERE id = 2");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> TopicRecords.read(engine, TOPIC).size() == 6);

        // restart: the table's shape comes back from the schema history kept in the log
        cdc.close();
        cdc = new CdcService(engine, Thread::new);
        cdc.start(Map.of());
        try (Connection c = TestDatabases.maria(DB); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE items ADD COLUMN note varchar(50)");
            s.execute("INSERT INTO items VALUES (4, 'four', 40, 'new column')");
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> TopicRecords.read(engine, TOPIC).size() == 7);

        List<TopicRecords.Rec> recs = TopicRecords.read(engine, TOPIC);
        assertThat(recs).extracting(TopicRecords.Rec::op).containsExactly("r", "r", "c", "u", "d", null, "c");
        assertThat(recs).extracting(r -> r.key().path("id").asInt()).containsExactly(1, 2, 3, 1, 2, 2, 4);
        assertThat(recs.get(2).value().path("after").path("name").asText()).isEqualTo("three");
        assertThat(recs.get(2).value().path("source").path("file").asText()).isNotEmpty();
        assertThat(recs.get(3).value().path("before").path("qty").asInt()).isEqualTo(10);
        assertThat(recs.get(3).value().path("after").path("qty").asInt()).isEqualTo(11);
        assertThat(recs.get(4).value().path("before").path("name").asText()).isEqualTo("two");
        assertThat(recs.get(4).value().path("after").isNull()).isTrue();
        assertThat(recs.get(6).value().path("after").path("note").asText()).isEqualTo("new column");
        for (int i = 3; i < recs.size(); i++) {
            assertThat(recs.get(i).position()).isGreaterThan(recs.get(i - 1).position());
        }
        // DDL went to the schema history topic and to the connector's schema change topic
        assertThat(engine.requireTopic(CdcStorage.SCHEMA_HISTORY).partition(0).logEndOffset()).isPositive();
        assertThat(TopicRecords.read(engine, NAME)).anySatisfy(r ->
                assertThat(r.value().path("ddl").asText()).containsIgnoringCase("ADD COLUMN note"));
        assertThat(cdc.status(NAME).capturedPosition()).contains("mysql-bin");
    }
}
