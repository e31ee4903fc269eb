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
            assertThat(db.count("SELECT count(*) FROM outage.seen")).isEqualTo(bank.totalEvents());
            assertThat(db.count("SELECT count(*) FROM (SELECT DISTINCT topic, partition, event_offset FROM outage.seen) d"))
                    .isEqualTo(bank.totalEvents());
            assertThat(db.count("SELECT count(*) FROM outage.transaction_history")).isEqualTo(bank.moneyEvents);
            assertThat(db.rows("SELECT account_id, balance FROM outage.account_balances ORDER BY account_id"))
                    .isEqualTo(bank.expectedBalances());
            assertThat(rt.status()).allSatisfy(s -> assertThat(s.state()).isEqualTo("RUNNING"));
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
