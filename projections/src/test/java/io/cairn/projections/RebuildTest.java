package io.cairn.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.projections.bank.AccountBalancesProjection;
import io.cairn.projections.bank.TransactionHistoryProjection;

/** Reset and zero-downtime rebuild: readers never see a half-built view; progress is reported. */
class RebuildTest {
    static TestDb db;

    @BeforeAll
    static void createDb() throws Exception {
        db = new TestDb("proj_rebuild");
    }

    @AfterAll
    static void dropDb() throws Exception {
        db.close();
    }

    @Test
    void rebuildWhileQueriesAndWritesRun(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 3, 5);
             ProjectionRuntime rt = new ProjectionRuntime(bank.engine, db.ds, ProjectionConfig.builder()
                     .metaSchema("rb").readSchema("rbv").batchSize(100).workers(2).build())) {
            rt.register(new AccountBalancesProjection());
            rt.register(new TransactionHistoryProjection());
            bank.generate(60, 3000);
            rt.start();
            BankReadModelsTest.awaitCaughtUp(rt);
            long history = db.count("SELECT count(*) FROM rbv.transaction_history");

            // Readers: 60 accounts always, and a history that never shrinks (a half-built view would show fewer).
            List<String> wrong = new CopyOnWriteArrayList<>();
            AtomicBoolean reading = new AtomicBoolean(true);
            AtomicInteger queries = new AtomicInteger();
            Thread reader = new Thread(() -> {
                long seen = history;
                try (Connection c = db.ds.getConnection(); Statement st = c.createStatement()) {
                    while (reading.get()) {
                        try (ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM rbv.account_balances), "
                                + "(SELECT count(*) FROM rbv.transaction_history)")) {
                            rs.next();
                            if (rs.getLong(1) != 60 || rs.getLong(2) < seen) {
                                wrong.add(rs.getLong(1) + " accounts, " + rs.getLong(2) + " history rows after " + seen);
                            }
                            seen = Math.max(seen, rs.getLong(2));
                        }
                        queries.incrementAndGet();
                    }
                } catch (Exception e) {
                    wrong.add(e.toString());
                }
            });
            reader.start();

            ProjectionStatus.RebuildProgress started = rt.rebuild(TransactionHistoryProjection.NAME);
            rt.rebuild(AccountBalancesProjection.NAME);
            assertThat(started.generation()).isEqualTo(2);
            assertThat(started.total()).isEqualTo(bank.engine.topic("bank-accounts").get().partitions().stream()
                    .mapToLong(p -> p.logEndOffset()).sum());
            bank.deposit("acc-1", 5, null); // writes continue during the rebuild
            await().atMost(Duration.ofSeconds(90)).until(() -> rt.status().stream()
                    .allMatch(s -> s.rebuild() != null && !s.rebuild().state().equals("BUILDING") && !s.rebuild().state().equals("SWITCHING")));
            bank.deposit("acc-2", 7, null);
            BankReadModelsTest.awaitCaughtUp(rt);
            reading.set(false);
            reader.join(10_000);

            assertThat(wrong).isEmpty();
            assertThat(queries.get()).isGreaterThan(10);
            for (ProjectionStatus s : rt.status()) {
                assertThat(s.generation()).isEqualTo(2);
                assertThat(s.rebuild().state()).isEqualTo("DONE");
                assertThat(s.rebuild().done()).isEqualTo(s.rebuild().total());
                assertThat(s.rebuild().fraction()).isEqualTo(1.0);
            }
            assertThat(db.rows("SELECT account_id, balance FROM rbv.account_balances ORDER BY account_id"))
                    .isEqualTo(bank.expectedBalances());
            assertThat(db.count("SELECT count(*) FROM rbv.transaction_history")).isEqualTo(bank.moneyEvents);
            assertThat(db.count("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'rb\\_%\\_g1'")).isZero();
            assertThat(db.count("SELECT count(*) FROM rb.offsets WHERE generation = 1")).isZero();
            assertThat(db.rows("SELECT obj_description('rbv.account_balances'::regclass, 'pg_class')").get(0))
                    .contains("balance");
        }
    }

    /** A projection whose second generation has one more column, as after a change of the read model. */
    static final class Reshaped implements BatchProjection {
        volatile boolean withType;

        @Override public String name() { return "reshaped"; }
        @Override public List<String> topics() { return List.of("bank-accounts"); }
        @Override public List<String> tables() { return List.of("events"); }

        @Override
        public void createTables(Connection c) throws java.sql.SQLException {
            Sql.exec(c, "CREATE TABLE events (event_offset bigint, partition int" + (withType ? ", type text" : "") + ")");
            Sql.exec(c, "COMMENT ON COLUMN events.partition IS 'where'");
        }

        @Override
        public void apply(List<ProjectionEvent> events, Connection c) throws java.sql.SQLException {
            try (var ps = c.prepareStatement(withType ? "INSERT INTO events VALUES (?, ?, ?)" : "INSERT INTO events VALUES (?, ?)")) {
                for (ProjectionEvent e : events) {
                    ps.setLong(1, e.offset());
                    ps.setInt(2, e.partition());
                    if (withType) {
                        ps.setString(3, e.type());
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    @Test
    void aRebuildMayChangeTheColumns(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 2, 21);
             ProjectionRuntime rt = new ProjectionRuntime(bank.engine, db.ds, ProjectionConfig.builder()
                     .metaSchema("rc").readSchema("rcv").build())) {
            Reshaped p = new Reshaped();
            rt.register(p);
            bank.generate(5, 100);
            rt.start();
            BankReadModelsTest.awaitCaughtUp(rt);
            assertThat(db.rows("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'rcv' AND table_name = 'events'"))
                    .containsExactly("2");
            p.withType = true;
            rt.rebuild("reshaped");
            await().atMost(Duration.ofSeconds(60)).until(() -> rt.status("reshaped").rebuild().state().equals("DONE"));
            assertThat(db.count("SELECT count(*) FROM rcv.events WHERE type IS NOT NULL")).isEqualTo(
                    bank.engine.topic("bank-accounts").get().partitions().stream().mapToLong(x -> x.logEndOffset()).sum());
            assertThat(db.rows("SELECT col_description('rcv.events'::regclass, 2)")).containsExactly("where");
        }
    }

    @Test
    void aCancelledRebuildDropsItsTablesAndTheLiveOnesServeOn(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 1, 23);
             ProjectionRuntime rt = new ProjectionRuntime(bank.engine, db.ds, ProjectionConfig.builder()
                     .metaSchema("cx").readSchema("cxv").batchSize(10).build())) {
            SeenProjection seen = new SeenProjection("seen");
            rt.register(seen);
            bank.generate(5, 200);
            rt.start();
            BankReadModelsTest.awaitCaughtUp(rt);
            long rows = db.count("SELECT count(*) FROM cxv.seen");
            seen.blockAtBatch = seen.batches.get() + 1; // the rebuild's first batch stops half-way
            rt.rebuild("seen");
            assertThat(seen.midBatch.await(30, TimeUnit.SECONDS)).isTrue();
            Thread release = new Thread(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                seen.release.countDown();
            });
            release.start();
            ProjectionStatus.RebuildProgress cancelled = rt.cancelRebuild("seen");
            release.join();
            assertThat(cancelled.state()).isEqualTo("FAILED");
            assertThat(cancelled.error()).contains("cancelled");
            assertThat(db.count("SELECT count(*) FROM pg_namespace WHERE nspname = 'cx_seen_g2'")).isZero();
            assertThat(rt.status("seen").generation()).isEqualTo(1);
            assertThat(rt.status("seen").state()).isEqualTo("RUNNING");
            assertThat(db.count("SELECT count(*) FROM cxv.seen")).isEqualTo(rows);
            assertThatThrownBy(() -> rt.cancelRebuild("seen")).isInstanceOfSatisfying(ProjectionException.class,
                    e -> assertThat(e.reason()).isEqualTo(ProjectionException.Reason.CONFLICT));
        }
    }

    @Test
    void aTopicCreatedAgainStopsTheProjectionUntilItIsReset(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 1, 29);
             ProjectionRuntime rt = new ProjectionRuntime(bank.engine, db.ds, ProjectionConfig.builder()
                     .metaSchema("rt").readSchema("rtv").build())) {
            stopByTopicCreatedAgain(bank, rt);
            assertThat(rt.status("seen").lastError()).contains("past the log end")
                    .contains("POST /api/projections/seen/reset").contains("rebuild");

            rt.reset("seen");
            BankReadModelsTest.awaitCaughtUp(rt);
            assertThat(rt.status("seen").state()).isEqualTo("RUNNING");
            assertThat(db.count("SELECT count(*) FROM rtv.seen WHERE topic = 'bank-accounts'")).isEqualTo(1);
        }
    }

    @Test
    void aProjectionStoppedByALogThatLostItsDataRecoversByARebuild(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 1, 31);
             ProjectionRuntime rt = new ProjectionRuntime(bank.engine, db.ds, ProjectionConfig.builder()
                     .metaSchema("rl").readSchema("rlv").build())) {
            stopByTopicCreatedAgain(bank, rt);

            rt.rebuild("seen");
            await().atMost(Duration.ofSeconds(60)).until(() -> rt.status("seen").rebuild() != null
                    && rt.status("seen").rebuild().state().equals("DONE"));
            BankReadModelsTest.awaitCaughtUp(rt);
            assertThat(rt.status("seen").state()).isEqualTo("RUNNING");
            assertThat(rt.status("seen").generation()).isEqualTo(2);
            assertThat(db.count("SELECT count(*) FROM rlv.seen WHERE topic = 'bank-accounts'")).isEqualTo(1);
        }
    }

    /**
     * Runs projection "seen" over 100 events, then deletes bank-accounts and creates it again with one event: the
     * projection's stored position is past the new log's end, and it stops.
     */
    private static void stopByTopicCreatedAgain(BankFixture bank, ProjectionRuntime rt) throws Exception {
        rt.register(new SeenProjection("seen"));
        bank.generate(5, 100);
        rt.start();
        BankReadModelsTest.awaitCaughtUp(rt);
        bank.engine.deleteTopic("bank-accounts");
        bank.engine.createTopic("bank-accounts", 1, java.util.Map.of());
        bank.append("bank-accounts", "acc-1", "AccountClosed", "{\"accountId\":\"acc-1\"}");
        rt.resume("seen"); // as a restart would: the stored offset is now past the new log's end
        await().atMost(Duration.ofSeconds(30)).until(() -> rt.status("seen").state().equals("STOPPED"));
    }

    @Test
    void resetReplaysFromTheStart(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 2, 9);
             ProjectionRuntime rt = new ProjectionRuntime(bank.engine, db.ds, ProjectionConfig.builder()
                     .metaSchema("rs").readSchema("rsv").build())) {
            rt.register(new AccountBalancesProjection());
            bank.generate(20, 1000);
            rt.start();
            BankReadModelsTest.awaitCaughtUp(rt);
            db.rows("UPDATE rsv.account_balances SET balance = -1 RETURNING 1"); // damage the view (through its view)
            rt.reset(AccountBalancesProjection.NAME);
            BankReadModelsTest.awaitCaughtUp(rt);
            assertThat(db.rows("SELECT account_id, balance FROM rsv.account_balances ORDER BY account_id"))
                    .isEqualTo(bank.expectedBalances());
            assertThat(rt.status(AccountBalancesProjection.NAME).generation()).isEqualTo(1);
        }
    }
}
