package io.cairn.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/** Checks Cairn makes of a connector's configuration before Debezium sees it, and what Debezium then gets. */
class ConnectorConfigTest {
    private static Map<String, String> pg() {
        Map<String, String> m = new HashMap<>();
        m.put("type", "postgres");
        m.put("database.hostname", "db");
        m.put("database.user", "u");
        m.put("database.dbname", "shop");
        return m;
    }

    @Test
    void everyProblemIsReportedAtOnceEachNamingItsProperty() {
        Map<String, String> m = new HashMap<>();
        m.put("type", "postgres");
        m.put("offset.storage", "x");
        m.put("schema.history.internal.file.filename", "/tmp/h");
        m.put(ConnectorConfig.TOPIC_PARTITIONS, "0");
        m.put(ConnectorConfig.TOPIC_PATTERN, "{prefix}.all");
        assertThatThrownBy(() -> ConnectorConfig.parse("bad name!", m))
                .isInstanceOfSatisfying(CdcConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "name: 'bad name!' is not a connector name (1 to 100 of a-z A-Z 0-9 . _ -)",
                        "offset.storage: set by Cairn (the engine's offsets and schema history live in the log)",
                        "schema.history.internal.file.filename: set by Cairn (the engine's offsets and schema history live in the log)",
                        "database.hostname: required", "database.user: required", "database.dbname: required",
                        "cairn.topic.partitions: 0 is not between 1 and 1000",
                        "cairn.topic.pattern: '{prefix}.all' must contain {table}, or every table shares one topic"));
    }

    @Test
    void typeIsRequiredAndMustBeKnown() {
        assertThatThrownBy(() -> ConnectorConfig.parse("c", Map.of())).hasMessageContaining("type: required (postgres or mariadb)");
        assertThatThrownBy(() -> ConnectorConfig.parse("c", Map.of("type", "oracle")))
                .hasMessageContaining("type: 'oracle' is not a supported database (postgres, mariadb)");
        assertThat(ConnectorConfig.parse("c", Map.of("connector.class", "io.debezium.connector.mariadb.MariaDbConnector",
                "database.hostname", "h", "database.user", "u")).kind()).isEqualTo(ConnectorKind.MARIADB);
    }

    @Test
    void aPatternThatMakesIllegalTopicNamesIsRefused() {
        Map<String, String> m = pg();
        m.put(ConnectorConfig.TOPIC_PATTERN, "{prefix}/{table}");
        assertThatThrownBy(() -> ConnectorConfig.parse("c", m)).hasMessageContaining("does not give a legal topic name");
    }

    @Test
    void debeziumGetsCairnsDefaultsTheUsersPropertiesAndCairnsStorage() {
        Map<String, String> m = pg();
        m.put("poll.interval.ms", "50");
        m.put(ConnectorConfig.TOPIC_PATTERN, "cdc.{table}");
        ConnectorConfig c = ConnectorConfig.parse("Orders-DB", m);
        Properties p = c.debeziumProperties("store-1", "Orders-DB-abc");
        assertThat(p.getProperty("poll.interval.ms")).isEqualTo("50");
        assertThat(p.getProperty("plugin.name")).isEqualTo("pgoutput");
        assertThat(p.getProperty("slot.name")).isEqualTo("cairn_orders_db");
        assertThat(p.getProperty("topic.prefix")).isEqualTo("Orders-DB");
        assertThat(p.getProperty("heartbeat.action.query")).contains("pg_logical_emit_message");
        assertThat(p.getProperty("name")).isEqualTo("Orders-DB-abc");
        assertThat(p.getProperty("offset.storage")).isEqualTo(CairnOffsetBackingStore.class.getName());
        assertThat(p.getProperty(ConnectorConfig.STORE_ID)).isEqualTo("store-1");
        assertThat(p).doesNotContainKeys("type", ConnectorConfig.TOPIC_PATTERN);
        assertThat(c.topicOf("public", "orders")).isEqualTo("cdc.orders");
    }

    @Test
    void mariaDbGetsTheSchemaHistoryInTheLog() {
        Properties p = ConnectorConfig.parse("m", Map.of("type", "mariadb", "database.hostname", "h", "database.user", "u"))
                .debeziumProperties("s", "m-1");
        assertThat(p.getProperty("schema.history.internal")).isEqualTo(CairnSchemaHistory.class.getName());
        assertThat(p.getProperty(ConnectorConfig.HISTORY_KEY)).isEqualTo("m-1");
        assertThat(p.getProperty("database.server.id")).matches("\\d+");
    }

    @Test
    void positionsOrderSnapshotBeforeStreamingAndByCommitThenLsn() {
        SourcePosition snapshot = SourcePosition.withK(SourcePosition.of(ConnectorKind.POSTGRES,
                Map.of("snapshot", "INITIAL", "lsn", 900L)), 5);
        SourcePosition t1 = SourcePosition.withK(SourcePosition.of(ConnectorKind.POSTGRES,
                Map.of("lsn_commit", 100L, "lsn", 120L)), 0);
        SourcePosition t1b = SourcePosition.withK(SourcePosition.of(ConnectorKind.POSTGRES,
                Map.of("lsn_commit", 100L, "lsn", 120L)), 1);
        // a transaction committed later may hold changes at lower WAL positions: commit order comes first
        SourcePosition t2 = SourcePosition.withK(SourcePosition.of(ConnectorKind.POSTGRES,
                Map.of("lsn_commit", 200L, "lsn", 110L)), 0);
        assertThat(snapshot.snapshot()).isTrue();
        assertThat(t1.snapshot()).isFalse();
        assertThat(snapshot).isLessThan(t1);
        assertThat(t1).isLessThan(t1b);
        assertThat(t1b).isLessThan(t2);
        assertThat(SourcePosition.decode(t2.encode())).isEqualTo(t2);
        assertThatThrownBy(() -> SourcePosition.decode(new byte[3])).hasMessageContaining("8 bytes per element");
    }

    @Test
    void mariaDbPositionsFollowFileThenPositionEventAndRow() {
        SourcePosition a = SourcePosition.withK(SourcePosition.of(ConnectorKind.MARIADB,
                Map.of("file", "mysql-bin.000009", "pos", 9000L, "event", 2L, "row", 1)), 0);
        SourcePosition b = SourcePosition.withK(SourcePosition.of(ConnectorKind.MARIADB,
                Map.of("file", "mysql-bin.000010", "pos", 4L)), 0);
        assertThat(a).isLessThan(b);
        assertThat(a.tuple()).containsExactly(1, 9, 9000, 2, 1, 0);
    }
}
