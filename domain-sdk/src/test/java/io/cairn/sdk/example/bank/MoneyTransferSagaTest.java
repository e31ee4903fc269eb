package io.cairn.sdk.example.bank;

import io.cairn.sdk.aggregate.AggregateNotFoundException;
import io.cairn.sdk.saga.SagaTestFixture;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.time.Duration;

/** The transfer saga step by step with the saga fixture: every path through it, and its deadline. */
class MoneyTransferSagaTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private final SagaTestFixture<MoneyTransferSaga> fixture = new SagaTestFixture<>(MoneyTransferSaga.class)
            .registerResource(TransferTimeout.class, new TransferTimeout(TIMEOUT));
    private final TransferRequested requested = new TransferRequested("t-1", "alice", "bob", 300);

    @Test
    void aRequestWithdrawsFromTheSourceAndSetsTheTimeout() {
        fixture.whenEvent(requested)
                .expectCommands(new Withdraw("alice", 300, "t-1"))
                .expectActiveSagas(1)
                .expectScheduledDeadlines(MoneyTransferSaga.DEADLINE);
    }

    @Test
    void theHappyPathDepositsCompletesAndEnds() {
        fixture.givenEvents(requested)
                .whenEvent(new MoneyWithdrawn("alice", 300, "t-1"))
                .expectCommands(new Deposit("bob", 300, "t-1"))
                .whenEvent(new MoneyDeposited("bob", 300, "t-1"))
                .expectCommands(new CompleteTransfer("t-1"))
                .whenEvent(new TransferCompleted("t-1"))
                .expectNoCommands()
                .expectActiveSagas(0)
                .expectScheduledDeadlines();
    }

    @Test
    void eventsOfOtherTransfersOrWithoutTransferDoNotReachIt() {
        fixture.givenEvents(requested)
                .whenEvent(new MoneyWithdrawn("alice", 300, "t-2"))
                .expectNoCommands()
                .whenEvent(new MoneyDeposited("alice", 5, null))
                .expectNoCommands()
                .expectActiveSagas(1);
    }

    @Test
    void aRefusedWithdrawalFailsTheTransfer() {
        fixture.onCommand(Withdraw.class, w -> {
                    throw new InsufficientFunds(w.accountId(), 100, w.amount());
                })
                .whenEvent(requested)
                .expectCommands(new Withdraw("alice", 300, "t-1"), new FailTransfer("t-1",
                        "withdrawal refused: insufficient funds in account alice: 300 requested, 100 available"
                                + " (balance + overdraft limit)"))
                .whenEvent(new TransferFailed("t-1", "whatever"))
                .expectActiveSagas(0);
    }

    @Test
    void aRefusedDepositPaysTheMoneyBackThenFails() {
        AggregateNotFoundException noBob = new AggregateNotFoundException("BankAccount", "bob", "Deposit");
        fixture.onCommand(Deposit.class, d -> {
                    if (d.accountId().equals("bob")) {
                        throw noBob;
                    }
                    return 1000L;
                })
                .givenEvents(requested)
                .whenEvent(new MoneyWithdrawn("alice", 300, "t-1"))
                .expectCommands(new Deposit("bob", 300, "t-1"), new Deposit("alice", 300, "t-1"))
                .whenEvent(new MoneyDeposited("alice", 300, "t-1"))
                .expectCommands(new FailTransfer("t-1", "deposit refused: " + noBob.getMessage()))
                .whenEvent(new TransferFailed("t-1", "deposit refused: " + noBob.getMessage()))
                .expectActiveSagas(0)
                .expectScheduledDeadlines();
    }

    @Test
    void anOutageIsThrownForARetryNotTurnedIntoAFailedTransfer() {
        fixture.onCommand(Withdraw.class, w -> {
                    throw new UncheckedIOException(new java.io.IOException("disk on fire"));
                })
                .whenEvent(requested)
                .expectException(UncheckedIOException.class)
                .expectActiveSagas(0);   // nothing saved: the retried event starts it afresh
    }

    @Test
    void theTimeoutPaysBackATransferStuckAfterItsWithdrawal() {
        fixture.givenEvents(requested)
                .whenTimeElapses(TIMEOUT.minusSeconds(1))
                .expectNoCommands()
                .whenTimeElapses(Duration.ofSeconds(1))
                .expectCommands(new Deposit("alice", 300, "t-1"))
                .expectScheduledDeadlines()
                .whenEvent(new MoneyDeposited("alice", 300, "t-1"))
                .expectCommands(new FailTransfer("t-1", "timed out before the deposit"));
    }

    @Test
    void theTimeoutCompletesATransferWhoseMoneyArrived() {
        fixture.givenEvents(requested, new MoneyWithdrawn("alice", 300, "t-1"))
                .whenTimeElapses(TIMEOUT)
                .expectCommands(new CompleteTransfer("t-1"));
    }

    @Test
    void aTransferThatRefusesItsOutcomeEndsTheSagaInsteadOfBlockingTheOnesAfterIt() {
        // Records that look like bank events but were not written by the aggregates (no transfer to settle).
        fixture.onCommand(Withdraw.class, w -> {
                    throw new AggregateNotFoundException("BankAccount", w.accountId(), "Withdraw");
                })
                .onCommand(FailTransfer.class, f -> {
                    throw new AggregateNotFoundException("Transfer", f.transferId(), "FailTransfer");
                })
                .whenEvent(requested)
                .expectCommands(new Withdraw("alice", 300, "t-1"), new FailTransfer("t-1",
                        "withdrawal refused: " + new AggregateNotFoundException("BankAccount", "alice", "Withdraw")
                                .getMessage()))
                .expectActiveSagas(0)
                .expectScheduledDeadlines();
    }

    @Test
    void aRefundTheSourceRefusesFailsTheTransferNamingTheMoneyToPayBack() {
        fixture.onCommand(Deposit.class, d -> {
                    throw new IllegalStateException("account " + d.accountId() + " is closed: cannot deposit");
                })
                .givenEvents(requested)
                .whenEvent(new MoneyWithdrawn("alice", 300, "t-1"))
                .expectCommands(new Deposit("bob", 300, "t-1"), new Deposit("alice", 300, "t-1"),
                        new FailTransfer("t-1", "deposit refused: account bob is closed: cannot deposit; refund refused:"
                                + " account alice is closed: cannot deposit (300 to be paid back to alice by hand)"));
    }
}
