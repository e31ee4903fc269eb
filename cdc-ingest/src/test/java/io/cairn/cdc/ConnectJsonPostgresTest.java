package io.cairn.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.debezium.embedded.EmbeddedEngineChangeEvent;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.JsonByteArray;

/**
 * Real PostgreSQL changes of many column types: for each record Debezium's own {@code JsonByteArray} format delivers
 * (converted by the converter Debezium builds from Cairn's properties), {@link ConnectJson} gives the same bytes from
 * the same SourceRecord, without falling back to the converter.
 */
class ConnectJsonPostgresTest {
    private static final String DB = "cdc_pg_samejson";
    private static final String NAME = "cdc_pg_sj";

    private DebeziumEngine<ChangeEvent<byte[], byte[]>> engine;
    private ExecutorService runner;

    @AfterEach
    void tearDown() throws Exception {
        if (engine != null) {
            engine.close();
        }
        if (runner != null) {
            runner.shutdown();
            runner.awaitTermination(1, TimeUnit.MINUTES);
        }
        TestDatabases.dropPg(DB);
    }

    /** {@code cairn}: Cairn's settings; {@code precise}: decimals and times as Connect's logical types. */
    @ParameterizedTest
    @ValueSource(strings = {"cairn", "precise"})
    void everyRecordIsTheBytesOfDebeziumsJsonFormat(String settings) throws Exception {
        TestDatabases.freshPg(DB);
        try (Connection c = TestDatabases.pg(DB); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE kinds (id int PRIMARY KEY, i2 smallint, i8 bigint, r real, d double precision,"
                    + " n numeric(12,3), nv numeric, b boolean, t text, vc varchar(20), ch char(3), by bytea,"
                    + " dt date, tm time, tmz timetz, ts timestamp, tsz timestamptz, iv interval, u uuid, j json,"
                    + " jb jsonb, ia int[], ta text[], ip inet, dflt text DEFAULT 'the default', dn int DEFAULT 7)");
            s.execute("ALTER TABLE kinds REPLICA IDENTITY FULL");
            s.execute(row(1) + ", 'snapshot row', 1)");
        }
        Map<String, String> given = new java.util.HashMap<>(TestDatabases.pgConnector(DB, NAME, "public.kinds"));
        if (settings.equals("precise")) {
            given.put("decimal.handling.mode", "precise");
            given.put("time.precision.mode", "connect");
        }
        ConnectorConfig config = ConnectorConfig.parse(NAME, given);
        Properties p = config.debeziumProperties("unused", "ref");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");

        ConnectJson keys = new ConnectJson(true);
        ConnectJson values = new ConnectJson(false);
        List<String> mismatches = new CopyOnWriteArrayList<>();
        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch polling = new CountDownLatch(1);
        engine = DebeziumEngine.create(JsonByteArray.class).using(p)
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void pollingStarted() {
                        polling.countDown();
                    }
                })
                .notifying((records, committer) -> {
                    for (ChangeEvent<byte[], byte[]> r : records) {
                        SourceRecord sr = ((EmbeddedEngineChangeEvent<?, ?, ?>) r).sourceRecord();
                        if (!ChangeWriter.isHeartbeat(sr.topic())) {
                            compare("key", r.key(), keys.toJson(sr.topic(), sr.keySchema(), sr.key()), mismatches);
                            compare("value", r.value(), values.toJson(sr.topic(), sr.valueSchema(), sr.value()),
                                    mismatches);
                            seen.add(r.value() == null ? "tombstone" : new String(r.value(), StandardCharsets.UTF_8));
                        }
                        committer.markProcessed(r);
                    }
                    committer.markBatchFinished();
                }).build();
        runner = Executors.newSingleThreadExecutor();
        runner.submit(engine);
        assertThat(polling.await(2, TimeUnit.MINUTES)).as("engine started").isTrue();

        try (Connection c = TestDatabases.pg(DB); Statement s = c.createStatement()) {
            s.execute(row(2) + ", NULL, NULL)"); // nulls where the columns have defaults
            s.execute("INSERT INTO kinds (id, r, d) VALUES (3, 'NaN', '-Infinity')");
            s.execute("INSERT INTO kinds (id) VALUES (4)");
            s.execute("UPDATE kinds SET t = 'changed', n = -0.001, ia = '{}' WHERE id = 1");
            s.execute("DELETE FROM kinds WHERE id = 2");
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (seen.size() < 7 && System.nanoTime() < deadline) { // 1 read, 3 creates, 1 update, 1 delete, 1 tombstone
            Thread.sleep(20);
        }
        assertThat(seen).hasSize(7);
        assertThat(mismatches).isEmpty();
        assertThat(keys.fallbacks + values.fallbacks).as("records left to the converter").isZero();
        assertThat(seen.get(0)).contains("snapshot row");
    }

    private static void compare(String what, byte[] debezium, byte[] cairn, List<String> mismatches) {
        if (!java.util.Arrays.equals(debezium, cairn)) {
            mismatches.add(what + ": Debezium " + (debezium == null ? null : new String(debezium, StandardCharsets.UTF_8))
                    + " / ConnectJson " + (cairn == null ? null : new String(cairn, StandardCharsets.UTF_8)));
        }
    }

    private static String row(int id) {
        List<String> v = new ArrayList<>(List.of(
                Integer.toString(id), "-32768", "9223372036854775807", "1.5e-7", "3.141592653589793", "123456789.125",
                "'-0.000000000000000000012345678901234567890'", "true",
                "E'unicode \u00e9\u2603 \\\\ \"q\" tab\\t nl\\n ctl\\x01'", "'varchar'", "'ab'", "'\\xdeadbeef00'",
                "'2026-11-26'", "'23:59:59.999999'", "'10:11:12+02'", "'2026-11-26 04:05:06.789012'",
                "'1969-07-20 20:17:40.5+00'", "'1 year 2 mons 3 days 04:05:06.5'",
                "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'{\"a\": [1, 2.5, null], \"b\": \"x\"}'",
                "'{\"z\": 1, \"a\": {\"n\": null}}'", "'{1,NULL,3}'", "'{\"x\",\"y z\"}'", "'192.168.0.1/24'"));
        return "INSERT INTO kinds VALUES (" + String.join(", ", v);
    }
}
