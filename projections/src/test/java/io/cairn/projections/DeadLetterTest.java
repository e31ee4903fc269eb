package io.cairn.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.projections.bank.AccountBalancesProjection;
import io.cairn.projections.bank.BankEvents;
import io.cairn.projections.bank.TransactionHistoryProjection;

/** Poison events: retried, sent to the dead-letter topic with the error, then skipped or stopping; replayed once. */
class DeadLetterTest {
    static TestDb db;

    @BeforeAll
    static void createDb() throws Exception {
        db = new TestDb("proj_dlq");
    }

    @AfterAll
    static void dropDb() throws Exception {
        db.close();
    }

    @Test
    void poisonGoesToTheDeadLetterTopicAndTheProjectionContinues(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 2, 3);
             ProjectionRuntime rt = new ProjectionRuntime(bank.engine, db.ds, ProjectionConfig.builder()
                     .metaSchema("dl").readSchema("dlv").retries(2).build())) {
            SeenProjection seen = new SeenProjection("seen");
            rt.register(seen);
            rt.register(new AccountBalancesProjection());
            rt.register(new TransactionHistoryProjection());
            bank.generate(10, 300);
            long poison = bank.append(BankEvents.ACCOUNTS, "acc-3", SeenProjection.POISON, "{\"accountId\":\"acc-3\"}");
            long bad = bank.append(BankEvents.ACCOUNTS, "acc-4", BankEvents.MONEY_DEPOSITED,
                    "{\"accountId\":\"acc-4\",\"amount\":\"lots\"}");
            bank.generate(0, 0);
            bank.deposit("acc-5", 100, null);
            rt.start();
            BankReadModelsTest.awaitCaughtUp(rt);

            List<DeadLetter> all = rt.deadLetters(null, 0, 100);
            assertThat(all).extracting(DeadLetter::projection).containsExactlyInAnyOrder(
                    "seen", AccountBalancesProjection.NAME, TransactionHistoryProjection.NAME);
            DeadLetter forSeen = rt.deadLetters("seen", 0, 100).get(0);
            assertThat(forSeen.offset()).isEqualTo(poison);
            assertThat(forSeen.type()).isEqualTo(SeenProjection.POISON);
            assertThat(forSeen.error()).contains("cannot digest");
            assertThat(forSeen.attempts()).isEqualTo(2);
            assertThat(forSeen.key()).isEqualTo("acc-3");
            assertThat(forSeen.replayed()).isFalse();
            assertThat(rt.deadLetters(AccountBalancesProjection.NAME, 0, 10).get(0).offset()).isEqualTo(bad);
            assertThat(rt.deadLetters(AccountBalancesProjection.NAME, 0, 10).get(0).error()).contains("amount");

            // everything else was applied
            assertThat(db.count("SELECT count(*) FROM dlv.seen")).isEqualTo(bank.totalEvents() - 1);
            assertThat(db.rows("SELECT account_id, balance FROM dlv.account_balances ORDER BY account_id"))
                    .isEqualTo(bank.expectedBalances());
            assertThat(rt.status("seen").state()).isEqualTo("RUNNING");
            assertThat(rt.status("seen").lastError()).contains("poison");

            // fixed handler: the replay applies it, once
            seen.broken = false;
            rt.replay("seen", forSeen.deadLetterOffset());
            assertThat(db.count("SELECT count(*) FROM dlv.seen WHERE type = 'Poison'")).isEqualTo(1);
            assertThat(rt.deadLetters("seen", 0, 10).get(0).replayed()).isTrue();
            assertThatThrownBy(() -> rt.replay("seen", forSeen.deadLetterOffset()))
                    .isInstanceOfSatisfying(ProjectionException.class,
                            e -> assertThat(e.reason()).isEqualTo(ProjectionException.Reason.CONFLICT));
            assertThatThrownBy(() -> rt.replay("seen", 9999))
                    .isInstanceOfSatisfying(ProjectionException.class,
                            e -> assertThat(e.reason()).isEqualTo(ProjectionException.Reason.NOT_FOUND));
            assertThatThrownBy(() -> rt.replay("nope", 0))
                    .isInstanceOfSatisfying(ProjectionException.class,
                            e -> assertThat(e.reason()).isEqualTo(ProjectionException.Reason.NOT_FOUND));
            // a dead letter of another projection is not this one's
            assertThatThrownBy(() -> rt.replay("seen", rt.deadLetters(AccountBalancesProjection.NAME, 0, 1).get(0).deadLetterOffset()))
                    .isInstanceOf(ProjectionException.class);
        }
    }

    @Test
    void stopPolicyStopsThePartitionAtThePoisonEvent(@TempDir Path dir) throws Exception {
        try (BankFixture bank = new BankFixture(dir, 1, 4);
             ProjectionRuntime rt = new ProjectionRuntime(bank.engine, db.ds, ProjectionConfig.builder()
                     .metaSchema("st").readSchema("stv").retries(1).deadLetterTopic("proj-stop-dead-letters")
                     .onPoison(ProjectionConfig.PoisonPolicy.STOP).build())) {
            SeenProjection seen = new SeenProjection("seen");
            rt.register(seen);
            bank.generate(5, 50);
            long poison = bank.append(BankEvents.ACCOUNTS, "acc-1", SeenProjection.POISON, "{}");
            bank.generate(5, 50);
            rt.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> rt.status("seen").state().equals("STOPPED"));
            ProjectionStatus.PartitionStatus accounts = rt.status("seen").partitions().stream()
                    .filter(p -> p.topic().equals(BankEvents.ACCOUNTS)).findFirst().orElseThrow();
            assertThat(accounts.stopped()).isTrue();
            assertThat(accounts.nextOffset()).isEqualTo(poison);
            assertThat(accounts.lag()).isPositive();
            assertThat(bank.engine.partition("proj-stop-dead-letters", 0).logEndOffset()).isEqualTo(1);
            assertThat(db.count("SELECT count(*) FROM stv.seen WHERE topic = 'bank-accounts'")).isEqualTo(poison);

            // the handler is fixed: resuming applies the poison event and what follows it, once
            seen.broken = false;
            rt.resume("seen");
            BankReadModelsTest.awaitCaughtUp(rt);
            assertThat(rt.status("seen").state()).isEqualTo("RUNNING");
            assertThat(db.count("SELECT count(*) FROM stv.seen")).isEqualTo(bank.totalEvents());
            assertThat(db.count("SELECT count(*) FROM stv.seen WHERE type = 'Poison'")).isEqualTo(1);
        }
    }
}
