package io.cairn.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

import io.cairn.projections.bank.AccountBalancesProjection;
import io.cairn.projections.bank.BankProjections;
import io.cairn.projections.bank.DailyTotalsProjection;
import io.cairn.projections.bank.TransactionHistoryProjection;

/** Exactly once through crashes: a worker killed mid-batch, the database's sessions killed mid-run, a stale worker. */
class CrashAndOutageTest {
    static TestDb db;

    @BeforeAll
    static void createDb() throws Exception {
        db = new TestDb("proj_crash");
    }

    @AfterAll
    static void dropDb() throws Exception {
        db.close();
    }

    private static ProjectionConfig config(String meta, String read) {
        return ProjectionConfig.builder().metaSchema(meta).readSchema(read).batchSize(300).workers(2)
                .retryBackoff(Duration.ofMillis(50)).build();
    }

    @Test
    void killedMidBatchThenRestartedEqualsAFromScratchBuild(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 3, 7)) {
            bank.generate(40, 4000);
            SeenProjection seen = new SeenProjection("seen");
            seen.blockAtBatch = 5;
            ProjectionRuntime first = new ProjectionRuntime(bank.engine, db.ds, config("crash_a", "crash"));
            first.register(seen);
            for (Projection p : BankProjections.all()) {
                first.register(p);
            }
            first.start();
            assertThat(seen.midBatch.await(60, TimeUnit.SECONDS)).isTrue();
            // The crash: every session of the runtime dies, with the blocked batch half written and uncommitted.
            assertThat(db.terminateSessions()).isPositive();
            Thread closer = new Thread(first::close);
            closer.start();
            seen.release.countDown();
            closer.join(60_000);
            long applied = db.count("SELECT count(*) FROM crash.seen");
            assertThat(applied).isLessThan(bank.totalEvents());

            try (ProjectionRuntime again = new ProjectionRuntime(bank.engine, db.ds, config("crash_a", "crash"));
                 ProjectionRuntime scratch = new ProjectionRuntime(bank.engine, db.ds, config("crash_b", "scratch"))) {
                again.register(new SeenProjection("seen"));
                scratch.register(new SeenProjection("seen"));
                for (Projection p : BankProjections.all()) {
                    again.register(p);
                }
                for (Projection p : List.of(new AccountBalancesProjection(), new TransactionHistoryProjection(),
                        new DailyTotalsProjection())) {
                    scratch.register(p);
                }
                again.start();
                scratch.start();
                BankReadModelsTest.awaitCaughtUp(again);
                BankReadModelsTest.awaitCaughtUp(scratch);
            }
            assertSameRows("account_balances", "account_id");
            assertSameRows("transaction_history", "event_id");
            assertSameRows("daily_totals", "day");
            assertSameRows("seen", "topic, partition, event_offset");
            assertThat(db.count("SELECT count(*) FROM crash.seen")).isEqualTo(bank.totalEvents());
            assertThat(db.rows("SELECT account_id, balance FROM crash.account_balances ORDER BY account_id"))
                    .isEqualTo(bank.expectedBalances());
        }
    }

    @Test
    void aProcessKilledWithSigkillThenRestartedEqualsAFromScratchBuild(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("log");
        long total;
        List<String> expected;
        try (BankFixture bank = new BankFixture(log, 3, 17)) {
            bank.generate(30, 3000);
            total = bank.totalEvents();
            expected = bank.expectedBalances();
        }
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                ProjectionProcess.class.getName(), log.toString(), db.name, "kill_a", "killed")
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() ->
                    db.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'kill_a_seen_g1'") == 1
                            && db.count("SELECT count(*) FROM killed.seen") > total / 4);
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no rollback from the client side
            child.waitFor();
        }
        long before = db.count("SELECT count(*) FROM killed.seen");
        assertThat(before).as("killed mid-run").isLessThan(total);

        try (BankFixture bank = BankFixture.reopen(log, 3);
             ProjectionRuntime again = new ProjectionRuntime(bank.engine, db.ds, config("kill_a", "killed"));
             ProjectionRuntime scratch = new ProjectionRuntime(bank.engine, db.ds, config("kill_b", "killscratch"))) {
            again.register(new SeenProjection("seen"));
            scratch.register(new SeenProjection("seen"));
            for (Projection p : BankProjections.all()) {
                again.register(p);
            }
            for (Projection p : BankProjections.all()) {
                scratch.register(p);
            }
            again.start();
            scratch.start();
            BankReadModelsTest.awaitCaughtUp(again);
            BankReadModelsTest.awaitCaughtUp(scratch);
        }
        for (String[] t : new String[][] {{"account_balances", "account_id"}, {"transaction_history", "event_id"},
                {"daily_totals", "day"}, {"seen", "topic, partition, event_offset"}}) {
            assertThat(db.rows("SELECT * FROM killed." + t[0] + " ORDER BY " + t[1]))
                    .isNotEmpty().isEqualTo(db.rows("SELECT * FROM killscratch." + t[0] + " ORDER BY " + t[1]));
        }
        assertThat(db.count("SELECT count(*) FROM killed.seen")).isEqualTo(total);
        assertThat(db.rows("SELECT account_id, balance FROM killed.account_balances ORDER BY account_id")).isEqualTo(expected);
    }

    private static void assertSameRows(String table, String order) throws Exception {
        List<String> restarted = db.rows("SELECT * FROM crash." + table + " ORDER BY " + order);
        List<String> fresh = db.rows("SELECT * FROM scratch." + table + " ORDER BY " + order);
        assertThat(restarted).isNotEmpty().isEqualTo(fresh);
    }

    @Test
    void sessionsKilledDuringARunLoseNothingAndDoubleNothing(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 3, 11);
             ProjectionRuntime rt = new ProjectionRuntime(bank.engine, db.ds, config("outage", "outage"))) {
            rt.register(new SeenProjection("seen"));
            rt.register(new AccountBalancesProjection());
            rt.register(new TransactionHistoryProjection());
            rt.start();
            // Sessions die at random points: mid-batch, and mid-COMMIT, whose answer is then lost although the
            // commit happened (the runtime must read its offset again, not apply the batch a second time).
            for (int round = 0; round < 8; round++) {
                bank.generate(5, 800);
                Thread.sleep(40 + 20 * round);
                db.terminateSessions(); // as a PostgreSQL restart does to every connection
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> rt.status().stream().anyMatch(s -> s.lastError() != null));
            BankReadModelsTest.awaitCaughtUp(rt);
            BankReadModelsTest.awaitCommittedToEnd(rt, db.ds);
            assertThat(db.count("SELECT count(*) FROM outage.seen")).isEqualTo(bank.totalEvents());
            assertThat(db.count("SELECT count(*) FROM (SELECT DISTINCT topic, partition, event_offset FROM outage.seen) d"))
                    .isEqualTo(bank.totalEvents());
            assertThat(db.count("SELECT count(*) FROM outage.transaction_history")).isEqualTo(bank.moneyEvents);
            assertThat(db.rows("SELECT account_id, balance FROM outage.account_balances ORDER BY account_id"))
                    .isEqualTo(bank.expectedBalances());
            assertThat(rt.status()).allSatisfy(s -> assertThat(s.state()).isEqualTo("RUNNING"));
        }
    }

    /**
     * Regression (the outage test above found it at random): a batch whose COMMIT happened but whose answer was lost
     * with the connection must not be applied a second time when the worker retries. A relay cuts the connection
     * right after the server answered the first batch's COMMIT, so this happens every run. Retrying the batch from
     * memory added its deposits to the balances twice.
     */
    @Test
    void aBatchWhoseCommitAnswerWasLostIsNotAppliedTwice(@TempDir Path dir) throws Exception {
        try (CommitDroppingProxy proxy = new CommitDroppingProxy("127.0.0.1", 5432);
             BankFixture bank = new BankFixture(dir, 3, 23)) {
            PGSimpleDataSource viaProxy = new PGSimpleDataSource();
            viaProxy.setUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + db.name);
            viaProxy.setUser("postgres");
            try (ProjectionRuntime rt = new ProjectionRuntime(bank.engine, viaProxy, config("lost", "lost"))) {
                rt.register(new AccountBalancesProjection());
                rt.start(); // its transactions are done: the next COMMIT is a batch's (claims run in auto-commit)
                proxy.arm();
                bank.generate(30, 3000);
                await().atMost(Duration.ofSeconds(60)).until(() -> proxy.dropped() == 1);
                BankReadModelsTest.awaitCaughtUp(rt);
                BankReadModelsTest.awaitCommittedToEnd(rt, db.ds);
                assertThat(rt.status(AccountBalancesProjection.NAME).lastError()).isNotNull();
                assertThat(rt.status(AccountBalancesProjection.NAME).state()).isEqualTo("RUNNING");
            }
            assertThat(db.rows("SELECT account_id, balance FROM lost.account_balances ORDER BY account_id"))
                    .isEqualTo(bank.expectedBalances());
            assertThat(db.count("SELECT sum(deposits + withdrawals) FROM lost.account_balances")).isEqualTo(bank.moneyEvents);
        }
    }

    /**
     * Regression (a stress run of the outage test found it): EclipseLink deploys a JPA projection's unit on the first
     * {@code createEntityManager} and logs in with two connections; when the second fails after the first succeeded,
     * the unit stays {@code DeployFailed} until its factory is closed. The applier must replace the factory, or the
     * projection never applies anything again. The relay cuts that second connection.
     */
    @Test
    void aJpaUnitWhoseDeploymentFailedIsBuiltAgain(@TempDir Path dir) throws Exception {
        try (CommitDroppingProxy proxy = new CommitDroppingProxy("127.0.0.1", 5432);
             BankFixture bank = new BankFixture(dir, 2, 29)) {
            PGSimpleDataSource viaProxy = new PGSimpleDataSource();
            viaProxy.setUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + db.name);
            viaProxy.setUser("postgres");
            try (ProjectionRuntime rt = new ProjectionRuntime(bank.engine, viaProxy, ProjectionConfig.builder()
                    .metaSchema("deploy").readSchema("deploy").workers(1).retryBackoff(Duration.ofMillis(50)).build())) {
                rt.register(new TransactionHistoryProjection());
                rt.start();
                // Both partitions claimed, nothing to apply: the worker opens no connection until events arrive.
                await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM deploy.offsets") == 2);
                proxy.cutConnectionAtFirstStatement(2);
                bank.generate(10, 300);
                await().atMost(Duration.ofSeconds(30)).until(() -> proxy.cut() == 1);
                BankReadModelsTest.awaitCommittedToEnd(rt, db.ds, Duration.ofSeconds(30));
                assertThat(rt.status(TransactionHistoryProjection.NAME).lastError()).isNotNull();
            }
            assertThat(db.count("SELECT count(*) FROM deploy.transaction_history")).isEqualTo(bank.moneyEvents);
        }
    }

    @Test
    void aStaleWorkerIsFencedAndNothingIsAppliedTwice(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 2, 13)) {
            bank.generate(10, 500);
            try (ProjectionRuntime a = new ProjectionRuntime(bank.engine, db.ds, config("fence", "fence"));
                 ProjectionRuntime b = new ProjectionRuntime(bank.engine, db.ds, config("fence", "fence"))) {
                a.register(new SeenProjection("seen"));
                b.register(new SeenProjection("seen"));
                a.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> a.status("seen").applied() > 0);
                b.start(); // takes every partition over: a's next offset write finds a newer epoch
                bank.generate(5, 1500);
                await().atMost(Duration.ofSeconds(60)).until(() -> db.count("SELECT count(*) FROM fence.seen") >= bank.totalEvents());
                await().atMost(Duration.ofSeconds(30)).until(() -> a.status("seen").state().equals("STOPPED")
                        || b.status("seen").state().equals("STOPPED"));
                Thread.sleep(300); // nothing more may arrive
                assertThat(db.count("SELECT count(*) FROM fence.seen")).isEqualTo(bank.totalEvents());
                assertThat(db.count("SELECT count(*) FROM (SELECT DISTINCT topic, partition, event_offset FROM fence.seen) d"))
                        .isEqualTo(bank.totalEvents());
                String fenced = a.status("seen").state().equals("STOPPED") ? a.status("seen").lastError() : b.status("seen").lastError();
                assertThat(fenced).contains("taken over");
            }
        }
    }
}
