package io.cairn.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.projections.bank.BankProjections;

/** The bank read models, applied by the runtime from the log into PostgreSQL, checked against the events written. */
class BankReadModelsTest {
    static TestDb db;

    @BeforeAll
    static void createDb() throws Exception {
        db = new TestDb("proj_bank_models");
    }

    @AfterAll
    static void dropDb() throws Exception {
        db.close();
    }

    @Test
    void viewsMatchTheEventsAndCarryComments(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 3, 42);
             ProjectionRuntime rt = new ProjectionRuntime(bank.engine, db.ds, ProjectionConfig.builder()
                     .readSchema("bank").batchSize(500).workers(2).build())) {
            for (Projection p : BankProjections.all()) {
                rt.register(p);
            }
            bank.generate(50, 2000);
            rt.start();
            bank.generate(10, 1000); // while running
            awaitCaughtUp(rt);

            assertThat(db.rows("SELECT account_id, balance FROM bank.account_balances ORDER BY account_id"))
                    .isEqualTo(bank.expectedBalances());
            assertThat(db.count("SELECT count(*) FROM bank.transaction_history")).isEqualTo(bank.moneyEvents);
            assertThat(db.count("SELECT sum(deposits + withdrawals) FROM bank.daily_totals")).isEqualTo(bank.moneyEvents);
            assertThat(db.count("SELECT sum(accounts_opened) FROM bank.daily_totals")).isEqualTo(60);
            assertThat(db.count("SELECT sum(transfers_requested) - sum(transfers_completed) FROM bank.daily_totals")).isZero();
            assertThat(db.rows("SELECT obj_description('bank.account_balances'::regclass, 'pg_class')").get(0))
                    .contains("current balance");
            assertThat(db.rows("SELECT col_description('bank.daily_totals'::regclass, 2)").get(0)).contains("AccountOpened");

            ProjectionStatus s = rt.status("account_balances");
            assertThat(s.state()).isEqualTo("RUNNING");
            assertThat(s.generation()).isEqualTo(1);
            assertThat(s.partitions()).hasSize(3).allSatisfy(p -> assertThat(p.lag()).isZero());
            assertThat(s.applied()).isEqualTo(bank.totalEvents() - bank.engine.topic("bank-transfers").get().partitions()
                    .stream().mapToLong(p -> p.logEndOffset()).sum());
            assertThat(s.lastError()).isNull();
        }
    }

    static void awaitCaughtUp(ProjectionRuntime rt) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<ProjectionStatus> all = rt.status();
            return all.stream().allMatch(s -> s.lag() == 0 && !s.partitions().isEmpty());
        });
    }

    /**
     * The exact wait: until, for every projection and partition, the offset committed in the database (not the
     * runtime's memory) is the partition's end, i.e. every event is in the views (call it once nothing is appended).
     */
    static void awaitCommittedToEnd(ProjectionRuntime rt, DataSource ds, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            for (ProjectionStatus s : rt.status()) {
                if (s.partitions().isEmpty() || s.generation() == 0) {
                    return false;
                }
                Map<String, Long> stored = new HashMap<>();
                try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT topic, "
                        + "partition, next_offset FROM " + rt.config().metaSchema() + ".offsets WHERE projection = ? "
                        + "AND generation = ?")) {
                    ps.setString(1, s.name());
                    ps.setInt(2, s.generation());
                    try (ResultSet r = ps.executeQuery()) {
                        while (r.next()) {
                            stored.put(r.getString(1) + "-" + r.getInt(2), r.getLong(3));
                        }
                    }
                }
                for (ProjectionStatus.PartitionStatus p : s.partitions()) {
                    long committed = Math.max(0, stored.getOrDefault(p.topic() + "-" + p.partition(), 0L));
                    if (committed != p.endOffset()) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    static void awaitCommittedToEnd(ProjectionRuntime rt, DataSource ds) {
        awaitCommittedToEnd(rt, ds, Duration.ofSeconds(60));
    }
}
