package io.cairn.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;

/**
 * The server running CDC is killed with SIGKILL while PostgreSQL changes stream in, and started again: every change is
 * in the topic exactly once, in commit order per key.
 */
class CrashRestartTest {
    private static final String DB = "cdc_pg_crash";
    private static final String NAME = "cdc_crash";
    private static final String TOPIC = NAME + ".public.counters";
    private static final int KEYS = 20;
    private static final int UPDATES = 3000;

    @TempDir
    Path dir;
    final List<Process> children = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : children) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        TestDatabases.dropPg(DB);
    }

    @Test
    void aKilledServerResumesAndEveryChangeIsInTheTopicExactlyOnceInOrderPerKey() throws Exception {
        TestDatabases.freshPg(DB);
        try (Connection c = TestDatabases.pg(DB); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE counters (id int PRIMARY KEY, v int NOT NULL)");
        }
        Child first = start();
        first.await(l -> l.startsWith("STATUS STREAMING"));

        CompletableFuture<Void> firstHalf = CompletableFuture.runAsync(() -> work(true, UPDATES / 2));
        first.await(l -> l.startsWith("STATUS STREAMING") && Long.parseLong(l.split(" ")[2]) >= 500);
        first.process.destroyForcibly(); // SIGKILL: no offset flush, no clean close
        first.process.waitFor(30, TimeUnit.SECONDS);
        firstHalf.get(5, TimeUnit.MINUTES);
        // more changes while no server runs, and while the second one catches up
        CompletableFuture<Void> workload = CompletableFuture.runAsync(() -> work(false, UPDATES - UPDATES / 2));

        Child second = start();
        workload.get(5, TimeUnit.MINUTES);
        String last = second.await(l -> l.startsWith("STATUS STREAMING") && Long.parseLong(l.split(" ")[2]) >= KEYS + UPDATES);
        second.process.destroy(); // SIGTERM: clean close, so the log can be opened here
        assertThat(second.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        long duplicatesSkipped = Long.parseLong(last.split(" ")[3]);
        assertThat(duplicatesSkipped).as("Debezium redelivered changes after the crash, and they were dropped")
                .isPositive();

        try (LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir.resolve("log")).build())) {
            List<TopicRecords.Rec> recs = TopicRecords.read(engine, TOPIC);
            assertThat(recs).hasSize(KEYS + UPDATES);
            Map<Integer, Integer> lastV = new HashMap<>();
            for (TopicRecords.Rec r : recs) {
                int id = r.key().path("id").asInt();
                int v = r.value().path("after").path("v").asInt();
                Integer before = lastV.put(id, v);
                assertThat(v).as("key %d after %s", id, before).isEqualTo(before == null ? 0 : before + 1);
            }
            assertThat(lastV).hasSize(KEYS).allSatisfy((k, v) -> assertThat(v).isEqualTo(UPDATES / KEYS));
        }
    }

    /** Inserts the keys (when {@code insert}), then {@code updates} single-row transactions round the keys. */
    private static void work(boolean insert, int updates) {
        try (Connection c = TestDatabases.pg(DB)) {
            if (insert) {
                try (Statement s = c.createStatement()) {
                    for (int k = 0; k < KEYS; k++) {
                        s.execute("INSERT INTO counters VALUES (" + k + ", 0)");
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE counters SET v = v + 1 WHERE id = ?")) {
                for (int i = 0; i < updates; i++) {
                    ps.setInt(1, i % KEYS);
                    ps.executeUpdate();
                }
            }
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private Child start() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "-Dcairn.cdc.test.pg=" + TestDatabases.PG, CdcChild.class.getName(),
                dir.resolve("log").toString(), DB, NAME, "public.counters")
                .redirectErrorStream(true).start();
        children.add(p);
        return new Child(p);
    }

    /** A child JVM and its last output line. */
    private static final class Child {
        final Process process;
        final BufferedReader out;

        Child(Process process) {
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** Reads the child's output until a line matches (at most 3 minutes); returns it. */
        String await(Predicate<String> done) throws Exception {
            AtomicReference<String> found = new AtomicReference<>();
            CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
                try {
                    String line;
                    while ((line = out.readLine()) != null) {
                        if (line.startsWith("STATUS FAILED")) {
                            throw new IllegalStateException(line);
                        }
                        if (done.test(line)) {
                            found.set(line);
                            return;
                        }
                    }
                } catch (java.io.IOException ex) {
                    throw new IllegalStateException(ex);
                }
                throw new IllegalStateException("The child ended before the expected line");
            });
            reading.get(3, TimeUnit.MINUTES);
            return found.get();
        }
    }
}
