package io.cairn.sdk.runtime;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.LogEventStore;
import io.cairn.log.store.StoredEvent;
import io.cairn.sdk.CommandMessage;
import io.cairn.sdk.command.CommandGateway;
import io.cairn.sdk.example.bank.BankAccount;
import io.cairn.sdk.example.bank.BankQueries.AccountView;
import io.cairn.sdk.example.bank.BankQueries.FindAccount;
import io.cairn.sdk.example.bank.BankQueries.FindTransfer;
import io.cairn.sdk.example.bank.BankQueries.TransferView;
import io.cairn.sdk.example.bank.BankReadModel;
import io.cairn.sdk.example.bank.Deposit;
import io.cairn.sdk.example.bank.MoneyTransferSaga;
import io.cairn.sdk.example.bank.OpenAccount;
import io.cairn.sdk.example.bank.RequestTransfer;
import io.cairn.sdk.example.bank.Transfer;
import io.cairn.sdk.example.bank.TransferTimeout;
import io.cairn.sdk.query.SubscriptionQueryResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The bank example on a DomainRuntime over the real log engine: transfers through the saga, across restarts. */
class BankRuntimeTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;
    private LogEngine engine;
    private EventStore store;
    private DomainRuntime runtime;

    /** A command gateway that refuses (as an outage would, not as the business would) the commands it is told to. */
    static final class FlakyGateway implements CommandGateway {
        volatile CommandGateway delegate;
        final Predicate<Object> refuse;

        FlakyGateway(Predicate<Object> refuse) {
            this.refuse = refuse;
        }

        private void check(Object command) {
            if (refuse.test(command)) {
                throw new UncheckedIOException(new java.io.IOException("simulated outage for " + command));
            }
        }

        @Override
        public <R> R send(Object command) {
            check(command);
            return delegate.send(command);
        }

        @Override
        public <R> R send(Object command, Map<String, String> metadata) {
            check(command);
            return delegate.send(command, metadata);
        }

        @Override
        public <R> CompletableFuture<R> sendAsync(Object command) {
            check(command);
            return delegate.sendAsync(command);
        }

        @Override
        public <R> CompletableFuture<R> sendAsync(CommandMessage<?> command) {
            check(command.payload());
            return delegate.sendAsync(command);
        }
    }

    @BeforeEach
    void open() {
        openEngine();
    }

    @AfterEach
    void close() {
        if (runtime != null) {
            runtime.close();
        }
        engine.close();
    }

    private void openEngine() {
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        store = LogEventStore.of(engine);
    }

    private DomainRuntime start(Clock clock, FlakyGateway sagaCommands) {
        DomainRuntime.Builder b = DomainRuntime.builder(store)
                .partitions(2)
                .aggregate(BankAccount.class)
                .aggregate(Transfer.class)
                .saga(MoneyTransferSaga.class)
                .clock(clock)
                .resource(TransferTimeout.class, new TransferTimeout(Duration.ofMinutes(10)));
        BankReadModel readModel = new BankReadModel();
        b.eventHandler(readModel).queryHandler(readModel);
        if (sagaCommands != null) {
            b.resource(CommandGateway.class, sagaCommands);
        }
        DomainRuntime r = b.build();
        if (sagaCommands != null) {
            sagaCommands.delegate = r.commandGateway();
        }
        r.start();
        return r;
    }

    private void restart(Clock clock, FlakyGateway sagaCommands) {
        runtime.close();
        engine.close();
        openEngine();
        runtime = start(clock, sagaCommands);
    }

    private void openAccount(String id, long balance) {
        runtime.commandGateway().send(new OpenAccount(id, "owner of " + id, 0));
        if (balance > 0) {
            runtime.commandGateway().send(new Deposit(id, balance));
        }
    }

    private AccountView account(String id) {
        return runtime.queryGateway().query(new FindAccount(id), AccountView.class).join();
    }

    private TransferView transfer(String id) {
        return runtime.queryGateway().query(new FindTransfer(id), TransferView.class).join();
    }

    private void awaitStatus(String transferId, String status) {
        await().atMost(WAIT).until(() -> transfer(transferId) != null && transfer(transferId).status().equals(status));
    }

    private long eventsOf(String accountId, String type) {
        return store.read(BankAccount.TOPIC, accountId, 0).stream().map(StoredEvent::eventType)
                .filter(type::equals).count();
    }

    @Test
    void aTransferMovesTheMoneyAndCompletes() {
        runtime = start(Clock.systemUTC(), null);
        openAccount("alice", 1000);
        openAccount("bob", 0);

        runtime.commandGateway().send(new RequestTransfer("t-1", "alice", "bob", 300));

        awaitStatus("t-1", "COMPLETED");
        await().atMost(WAIT).until(() -> account("bob").balance() == 300);
        assertThat(account("alice").balance()).isEqualTo(700);
        assertThat(account("alice").transfers()).containsExactly("t-1");
        await().atMost(WAIT).until(() -> runtime.sagas(MoneyTransferSaga.class).activeSagas().isEmpty());
        assertThat(runtime.deadlines().scheduled()).isEmpty();
    }

    @Test
    void aTransferBeyondTheBalanceFailsAndMovesNothing() {
        runtime = start(Clock.systemUTC(), null);
        openAccount("alice", 100);
        openAccount("bob", 0);

        runtime.commandGateway().send(new RequestTransfer("t-2", "alice", "bob", 300));

        awaitStatus("t-2", "FAILED");
        assertThat(transfer("t-2").reason()).contains("insufficient funds");
        assertThat(account("alice").balance()).isEqualTo(100);
        assertThat(account("bob").balance()).isZero();
        assertThat(eventsOf("alice", "MoneyWithdrawn")).isZero();
    }

    @Test
    void aTransferToAnUnknownAccountIsPaidBackAndFails() {
        runtime = start(Clock.systemUTC(), null);
        openAccount("alice", 500);

        runtime.commandGateway().send(new RequestTransfer("t-3", "alice", "nobody", 200));

        awaitStatus("t-3", "FAILED");
        assertThat(transfer("t-3").reason()).startsWith("deposit refused");
        await().atMost(WAIT).until(() -> account("alice").balance() == 500);
        assertThat(eventsOf("alice", "MoneyWithdrawn")).isEqualTo(1);
        assertThat(eventsOf("alice", "MoneyDeposited")).isEqualTo(2);   // the opening deposit and the refund
    }

    @Test
    void aSagaStoppedMidTransferFinishesAfterARestartWithoutRepeatingASTep() {
        // First run: the deposit step hits an outage, so the saga stops after the withdrawal.
        FlakyGateway outage = new FlakyGateway(c -> c instanceof Deposit d && "t-4".equals(d.transferId()));
        runtime = start(Clock.systemUTC(), outage);
        openAccount("alice", 1000);
        openAccount("bob", 0);
        runtime.commandGateway().send(new RequestTransfer("t-4", "alice", "bob", 250));
        await().atMost(WAIT).until(() -> account("alice") != null && account("alice").balance() == 750);
        await().atMost(WAIT).until(() -> runtime.processor("saga-MoneyTransferSaga").orElseThrow().status().stream()
                .anyMatch(s -> s.error() != null && s.error().contains("simulated outage")));
        assertThat(transfer("t-4").status()).isEqualTo("REQUESTED");

        // Second run on the reopened log, outage over: the saga resumes at the deposit.
        restart(Clock.systemUTC(), null);

        awaitStatus("t-4", "COMPLETED");
        await().atMost(WAIT).until(() -> account("bob") != null && account("bob").balance() == 250);
        assertThat(account("alice").balance()).isEqualTo(750);
        assertThat(eventsOf("alice", "MoneyWithdrawn")).isEqualTo(1);
        assertThat(eventsOf("bob", "MoneyDeposited")).isEqualTo(1);
        await().atMost(WAIT).until(() -> runtime.sagas(MoneyTransferSaga.class).activeSagas().isEmpty());
    }

    @Test
    void aTransferStuckPastItsDeadlineIsPaidBackAfterARestart() {
        FlakyGateway targetDown = new FlakyGateway(c -> c instanceof Deposit d && "bob".equals(d.accountId())
                && d.transferId() != null);
        runtime = start(Clock.systemUTC(), targetDown);
        openAccount("alice", 1000);
        openAccount("bob", 0);
        runtime.commandGateway().send(new RequestTransfer("t-5", "alice", "bob", 400));
        await().atMost(WAIT).until(() -> account("alice") != null && account("alice").balance() == 600);

        // Back an hour later, bob's side still down: the 10-minute deadline fell due meanwhile and fires now.
        FlakyGateway stillDown = new FlakyGateway(targetDown.refuse);
        restart(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)), stillDown);

        awaitStatus("t-5", "FAILED");
        assertThat(transfer("t-5").reason()).isEqualTo("timed out before the deposit");
        await().atMost(WAIT).until(() -> account("alice").balance() == 1000);
        assertThat(account("bob").balance()).isZero();
        await().atMost(WAIT).until(() -> runtime.sagas(MoneyTransferSaga.class).activeSagas().isEmpty());
    }

    @Test
    void aSubscriptionQueryPushesEveryNewBalance() throws Exception {
        runtime = start(Clock.systemUTC(), null);
        openAccount("carol", 10);
        await().atMost(WAIT).until(() -> account("carol") != null && account("carol").balance() == 10);
        List<Long> balances = new CopyOnWriteArrayList<>();

        try (SubscriptionQueryResult<AccountView, AccountView> s = runtime.queryGateway()
                .subscriptionQuery(new FindAccount("carol"), AccountView.class, AccountView.class)) {
            s.updates().subscribe(new Flow.Subscriber<>() {
                public void onSubscribe(Flow.Subscription sub) { sub.request(Long.MAX_VALUE); }
                public void onNext(AccountView a) { balances.add(a.balance()); }
                public void onError(Throwable t) { }
                public void onComplete() { }
            });
            assertThat(s.initialResult().get().balance()).isEqualTo(10);

            runtime.commandGateway().send(new Deposit("carol", 5));
            runtime.commandGateway().send(new Deposit("carol", 20));

            await().atMost(WAIT).until(() -> balances.size() == 2);
            assertThat(balances).containsExactly(15L, 35L);
        }
    }
}
