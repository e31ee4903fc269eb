package io.cairn.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.projections.bank.AccountBalancesProjection;
import io.cairn.projections.bank.BankProjections;
import io.cairn.projections.bank.TransactionHistoryProjection;

/**
 * A real PostgreSQL restart, not only killed sessions: a private cluster ({@link PrivatePostgres}) is stopped with
 * {@code pg_ctl stop} while events flow, stays down a few seconds (the projections wait and say so in their status),
 * and is started again; the views must then equal the expected state and a from-scratch build, row for row.
 * Without the PostgreSQL binaries the class fails under CI (env {@code CI} set) and is skipped elsewhere.
 */
class PostgresRestartTest {
    static PrivatePostgres pg;
    static TestDb rows;

    @BeforeAll
    static void startCluster() throws Exception {
        String missing = PrivatePostgres.unavailable();
        if (missing != null) {
            if (System.getenv("CI") != null) {
                Assertions.fail("CI needs a private PostgreSQL for the restart tests: " + missing);
            }
            Assumptions.abort("No private PostgreSQL for the restart tests: " + missing);
        }
        pg = new PrivatePostgres("restart");
        rows = TestDb.on(pg.ds);
    }

    @AfterAll
    static void stopCluster() {
        if (pg != null) {
            pg.close();
        }
    }

    private static ProjectionConfig config(String meta, String read) {
        return ProjectionConfig.builder().metaSchema(meta).readSchema(read).batchSize(200).workers(2)
                .retryBackoff(Duration.ofMillis(100)).build();
    }

    private static boolean anyWaiting(ProjectionRuntime rt) {
        return rt.status().stream().anyMatch(s -> s.state().equals(ProjectionStatus.WAITING_FOR_DATABASE)
                && s.lastError() != null);
    }

    @Test
    void aRestartedDatabaseMidRunLosesNothingAndDoublesNothing(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 3, 31)) {
            try (ProjectionRuntime rt = new ProjectionRuntime(bank.engine, pg.ds, config("restart_a", "restarted"))) {
                rt.register(new SeenProjection("seen"));
                for (Projection p : BankProjections.all()) {
                    rt.register(p);
                }
                rt.start();
                bank.generate(10, 600);
                for (String mode : List.of("fast", "immediate")) {
                    bank.generate(5, 1000); // a backlog, so the stop hits batches in flight
                    long t0 = System.nanoTime();
                    pg.stop(mode);
                    bank.generate(5, 400); // events go on arriving while the database is away
                    await().atMost(Duration.ofSeconds(15)).until(() -> anyWaiting(rt));
                    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    Thread.sleep(Math.max(0, 3000 - waited)); // down a few seconds: the workers back off meanwhile
                    assertThat(anyWaiting(rt)).as("still waiting for the database after a %s stop", mode).isTrue();
                    pg.start();
                    bank.generate(5, 400);
                    // back to normal before the next outage: every projection running, everything committed
                    BankReadModelsTest.awaitCommittedToEnd(rt, pg.ds);
                    await().atMost(Duration.ofSeconds(10)).until(() -> rt.status().stream()
                            .allMatch(s -> s.state().equals("RUNNING")));
                    System.out.printf("outage (%s stop): down to caught up in %d ms%n", mode,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                }
                assertThat(rt.status()).allSatisfy(s -> {
                    assertThat(s.state()).isEqualTo("RUNNING");
                    assertThat(s.lag()).isZero();
                    assertThat(s.lastError()).isNotNull(); // every one of them met the outage
                });
            }
            assertThat(rows.count("SELECT count(*) FROM restarted.seen")).isEqualTo(bank.totalEvents());
            assertThat(rows.count("SELECT count(*) FROM (SELECT DISTINCT topic, partition, event_offset FROM restarted.seen) d"))
                    .isEqualTo(bank.totalEvents());
            assertThat(rows.count("SELECT count(*) FROM restarted.transaction_history")).isEqualTo(bank.moneyEvents);
            assertThat(rows.rows("SELECT account_id, balance FROM restarted.account_balances ORDER BY account_id"))
                    .isEqualTo(bank.expectedBalances());

            try (ProjectionRuntime scratch = new ProjectionRuntime(bank.engine, pg.ds, config("restart_b", "scratch"))) {
                scratch.register(new SeenProjection("seen"));
                for (Projection p : BankProjections.all()) {
                    scratch.register(p);
                }
                scratch.start();
                BankReadModelsTest.awaitCommittedToEnd(scratch, pg.ds);
            }
            for (String[] t : new String[][] {{"account_balances", "account_id"}, {"transaction_history", "event_id"},
                    {"daily_totals", "day"}, {"seen", "topic, partition, event_offset"}}) {
                assertThat(rows.rows("SELECT * FROM restarted." + t[0] + " ORDER BY " + t[1])).as(t[0])
                        .isNotEmpty().isEqualTo(rows.rows("SELECT * FROM scratch." + t[0] + " ORDER BY " + t[1]));
            }
        }
    }

    /**
     * start() with the database down waits (status WAITING_FOR_DATABASE) instead of failing, and goes on once it is
     * back. Then the first batch of the JPA projection meets an outage: EclipseLink deploys its unit on that first
     * use and its login is refused. (A login refused outright leaves the unit retryable; one that fails half-way
     * leaves it DeployFailed: CrashAndOutageTest.aJpaUnitWhoseDeploymentFailedIsBuiltAgain.)
     */
    @Test
    void startWaitsForTheDatabaseAndAJpaProjectionFirstUsedDuringAnOutageRecovers(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 2, 37)) {
            pg.stop("fast");
            try (ProjectionRuntime rt = new ProjectionRuntime(bank.engine, pg.ds, config("late", "late"))) {
                rt.register(new AccountBalancesProjection());
                rt.register(new TransactionHistoryProjection());
                CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
                    try {
                        rt.start();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                await().atMost(Duration.ofSeconds(15)).until(() -> rt.status().stream().allMatch(s ->
                        s.state().equals(ProjectionStatus.WAITING_FOR_DATABASE) && s.lastError().contains("database")));
                Thread.sleep(1000);
                assertThat(started).isNotDone();
                pg.start();
                started.get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(30)).until(() -> rt.status().stream().allMatch(s ->
                        s.state().equals("RUNNING") && s.partitions().size() == 2));

                pg.stop("fast"); // no event applied yet: the JPA unit has not been deployed
                bank.generate(10, 800);
                await().atMost(Duration.ofSeconds(15)).until(() ->
                        rt.status(TransactionHistoryProjection.NAME).state().equals(ProjectionStatus.WAITING_FOR_DATABASE));
                Thread.sleep(1500);
                pg.start();
                BankReadModelsTest.awaitCommittedToEnd(rt, pg.ds, Duration.ofSeconds(40));
                assertThat(rt.status()).allSatisfy(s -> assertThat(s.state()).isEqualTo("RUNNING"));
            }
            assertThat(rows.count("SELECT count(*) FROM late.transaction_history")).isEqualTo(bank.moneyEvents);
            assertThat(rows.rows("SELECT account_id, balance FROM late.account_balances ORDER BY account_id"))
                    .isEqualTo(bank.expectedBalances());
        }
    }
}
