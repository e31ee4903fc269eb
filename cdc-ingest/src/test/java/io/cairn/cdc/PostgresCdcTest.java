package io.cairn.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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

/** PostgreSQL (pgoutput) into Cairn topics, against the real database service. */
class PostgresCdcTest {
    private static final String DB = "cdc_pg_roundtrip";
    private static final String NAME = "cdc_pg_rt";
    private static final String TOPIC = NAME + ".public.items";

    @TempDir
    Path dir;
    LogEngine engine;
    CdcService cdc;

    @BeforeEach
    void setUp() throws Exception {
        TestDatabases.freshPg(DB);
        try (Connection c = TestDatabases.pg(DB); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int)");
            s.execute("ALTER TABLE items REPLICA IDENTITY FULL");
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
        TestDatabases.dropPg(DB);
    }

    @Test
    void snapshotThenInsertUpdateDeleteArriveAsEnvelopesInTheTablesTopic() throws Exception {
        cdc.create(NAME, TestDatabases.pgConnector(DB, NAME, "public.items"));
        await().atMost(Duration.ofSeconds(90)).until(() -> TopicRecords.read(engine, TOPIC).size() == 2);
        await().atMost(Duration.ofSeconds(60)).until(() -> cdc.status(NAME).state() == ConnectorState.STREAMING);

        try (Connection c = TestDatabases.pg(DB); Statement s = c.createStatement()) {
            s.execute("INSERT INTO items VALUES (3, 'three', 30)");
            s.execute("UPDATE items SET qty = 11 WHERE id = 1");
            s.execute("DELETE FROM items WHERE id = 2");
            s.execute("ALTER TABLE items ADD COLUMN note text");
            s.execute("INSERT INTO items VALUES (4, 'four', 40, 'new column')");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> TopicRecords.read(engine, TOPIC).size() == 7);
        List<TopicRecords.Rec> recs = TopicRecords.read(engine, TOPIC);

        assertThat(recs).extracting(TopicRecords.Rec::op).containsExactly("r", "r", "c", "u", "d", null, "c");
        // keyed by primary key
        assertThat(recs).extracting(r -> r.key().path("id").asInt()).containsExactly(1, 2, 3, 1, 2, 2, 4);
        TopicRecords.Rec insert = recs.get(2);
        assertThat(insert.value().path("before").isNull()).isTrue();
        assertThat(insert.value().path("after").path("name").asText()).isEqualTo("three");
        assertThat(insert.value().path("source").path("lsn").asLong()).isPositive();
        assertThat(insert.value().path("ts_ms").asLong()).isPositive();
        TopicRecords.Rec update = recs.get(3);
        assertThat(update.value().path("before").path("qty").asInt()).isEqualTo(10);
        assertThat(update.value().path("after").path("qty").asInt()).isEqualTo(11);
        TopicRecords.Rec delete = recs.get(4);
        assertThat(delete.value().path("before").path("name").asText()).isEqualTo("two");
        assertThat(delete.value().path("after").isNull()).isTrue();
        assertThat(recs.get(5).value()).as("tombstone after the delete").isNull();
        assertThat(recs.get(5).key().path("id").asInt()).isEqualTo(2);
        // a column added while streaming appears in the following changes
        assertThat(recs.get(6).value().path("after").path("note").asText()).isEqualTo("new column");
        // positions only grow
        for (int i = 3; i < recs.size(); i++) {
            assertThat(recs.get(i).position()).isGreaterThan(recs.get(i - 1).position());
        }

        // not fsynced per append: the offset commit (every second) makes the table topic durable first
        var partition = engine.requireTopic(TOPIC).partition(0);
        assertThat(engine.requireTopic(TOPIC).config().get("flush.messages")).isEqualTo(Long.toString(Long.MAX_VALUE));
        await().atMost(Duration.ofSeconds(30)).until(() -> partition.durableOffset() == partition.logEndOffset());

        ConnectorStatus st = cdc.status(NAME);
        assertThat(st.capturedChanges()).isEqualTo(7);
        assertThat(st.topics()).containsOnlyKeys(TOPIC);
        assertThat(recs.get(0).position().snapshot()).isTrue();
        assertThat(recs.get(2).position().snapshot()).isFalse();
        assertThat(st.snapshot().completed()).isTrue();
        assertThat(st.snapshot().tablesTotal()).isEqualTo(1);
        assertThat(st.snapshot().rowsDone()).isEqualTo(2);
        assertThat(st.capturedPosition()).contains("/");
        assertThat(st.sourcePosition()).contains("/");
        assertThat(st.lagMs()).isNotNull();
    }

    @Test
    void pauseStopsCaptureAndResumeContinuesWhereItWas() throws Exception {
        cdc.create(NAME, TestDatabases.pgConnector(DB, NAME, "public.items"));
        await().atMost(Duration.ofSeconds(90)).until(() -> cdc.status(NAME).state() == ConnectorState.STREAMING
                && TopicRecords.read(engine, TOPIC).size() == 2);
        assertThat(cdc.pause(NAME).state()).isEqualTo(ConnectorState.PAUSED);
        try (Connection c = TestDatabases.pg(DB); Statement s = c.createStatement()) {
            s.execute("INSERT INTO items VALUES (5, 'five', 50)");
        }
        Thread.sleep(1000); // nothing may arrive while paused; the resume below proves the insert was not lost
        assertThat(TopicRecords.read(engine, TOPIC)).hasSize(2);

        // paused survives a restart of the service
        cdc.close();
        cdc = new CdcService(engine, Thread::new);
        cdc.start(Map.of());
        assertThat(cdc.status(NAME).state()).isEqualTo(ConnectorState.PAUSED);

        cdc.resume(NAME);
        await().atMost(Duration.ofSeconds(60)).until(() -> TopicRecords.read(engine, TOPIC).size() == 3);
        assertThat(TopicRecords.read(engine, TOPIC).get(2).value().path("after").path("id").asInt()).isEqualTo(5);

        cdc.delete(NAME);
        assertThat(cdc.list()).isEmpty();
        await().atMost(Duration.ofSeconds(30)).until(() -> TestDatabases.slots(NAME) == 0);
    }

    @Test
    void badConfigurationIsRefusedBeforeAnythingStartsNamingTheProperty() {
        Map<String, String> noDb = TestDatabases.pgConnector(DB, NAME, "public.items");
        noDb.remove("database.dbname");
        noDb.put("cairn.topic.partitions", "zero");
        assertThatThrownBy(() -> cdc.create(NAME, noDb)).isInstanceOf(CdcConfigException.class)
                .hasMessageContaining("database.dbname: required")
                .hasMessageContaining("cairn.topic.partitions: 'zero' is not a number");

        Map<String, String> reserved = TestDatabases.pgConnector(DB, NAME, "public.items");
        reserved.put("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        assertThatThrownBy(() -> cdc.create(NAME, reserved)).hasMessageContaining("offset.storage: set by Cairn");

        Map<String, String> wrongPort = TestDatabases.pgConnector(DB, NAME, "public.items");
        wrongPort.put("database.port", "1");
        assertThatThrownBy(() -> cdc.create(NAME, wrongPort)).isInstanceOf(CdcConfigException.class)
                .hasMessageContaining("database.");

        Map<String, String> badMode = TestDatabases.pgConnector(DB, NAME, "public.items");
        badMode.put("snapshot.mode", "sometimes");
        assertThatThrownBy(() -> cdc.create(NAME, badMode)).isInstanceOf(CdcConfigException.class)
                .hasMessageContaining("snapshot.mode");

        assertThatThrownBy(() -> cdc.create(NAME, Map.of("type", "oracle"))).hasMessageContaining("type: 'oracle'");
        assertThat(cdc.list()).isEmpty();
        assertThat(engine.topic(TOPIC)).isEmpty();
    }
}
