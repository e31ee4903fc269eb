package io.cairn.sdk.example.bank;

import io.cairn.sdk.aggregate.AggregateNotFoundException;
import io.cairn.sdk.command.CommandGateway;
import io.cairn.sdk.command.CommandValidationException;
import io.cairn.sdk.saga.DeadlineHandler;
import io.cairn.sdk.saga.EndSaga;
import io.cairn.sdk.saga.Saga;
import io.cairn.sdk.saga.SagaContext;
import io.cairn.sdk.saga.SagaEventHandler;
import io.cairn.sdk.saga.StartSaga;

/**
 * Moves the money of a {@link Transfer}: withdraw from the source (tagged with the transfer id), deposit into the
 * target, then {@link CompleteTransfer}. When the withdrawal is refused (insufficient funds, unknown or closed
 * account) it sends {@link FailTransfer}; when the deposit is refused it first pays the money back into the source
 * (a deposit tagged with the transfer id), then fails the transfer. A deadline ({@link TransferTimeout}) settles a
 * transfer still open by then: money not yet taken → fail; taken but not deposited → refund and fail; deposited →
 * complete.
 *
 * <p>Each step is one command, sent synchronously from the handler of the event that the previous step produced, so
 * a restart resumes at the step whose event the saga has not handled yet. Commands may be repeated after a crash;
 * {@link BankAccount} ignores a second withdrawal or deposit with the same transfer id and {@link Transfer} a second
 * completion or failure, which makes every step idempotent.
 */
@Saga(topics = {Transfer.TOPIC, BankAccount.TOPIC})
public class MoneyTransferSaga {
    public static final String DEADLINE = "transfer-timeout";

    /** Where the transfer stands: after WITHDRAWN the source's money is gone until DEPOSITED or REFUNDED. */
    enum Step { REQUESTED, WITHDRAWN, DEPOSITED, REFUNDING, REFUNDED }

    private String transferId;
    private String fromAccount;
    private String toAccount;
    private long amount;
    private Step step;
    private String failure;

    @StartSaga
    @SagaEventHandler(associationProperty = "transferId")
    void on(TransferRequested e, CommandGateway commands, SagaContext saga, TransferTimeout timeout) {
        transferId = e.transferId();
        fromAccount = e.fromAccount();
        toAccount = e.toAccount();
        amount = e.amount();
        step = Step.REQUESTED;
        saga.scheduleDeadline(timeout.value(), DEADLINE, new TransferTimedOut(transferId));
        try {
            commands.send(new Withdraw(fromAccount, amount, transferId));
            step = Step.WITHDRAWN;
        } catch (RuntimeException refused) {
            fail(commands, reason("withdrawal", refused));
        }
    }

    @SagaEventHandler(associationProperty = "transferId")
    void on(MoneyWithdrawn e, CommandGateway commands) {
        if (step != Step.WITHDRAWN || !e.accountId().equals(fromAccount)) {
            return;
        }
        try {
            commands.send(new Deposit(toAccount, amount, transferId));
            step = Step.DEPOSITED;
        } catch (RuntimeException refused) {
            refund(commands, reason("deposit", refused));
        }
    }

    @SagaEventHandler(associationProperty = "transferId")
    void on(MoneyDeposited e, CommandGateway commands) {
        if (step == Step.DEPOSITED && e.accountId().equals(toAccount)) {
            commands.send(new CompleteTransfer(transferId));
        } else if (step == Step.REFUNDING && e.accountId().equals(fromAccount)) {
            step = Step.REFUNDED;
            commands.send(new FailTransfer(transferId, failure));
        }
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "transferId")
    void on(TransferCompleted e) {
        // the transfer is settled: nothing left to do
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "transferId")
    void on(TransferFailed e) {
        // the transfer is settled (any money taken was paid back before it failed)
    }

    @DeadlineHandler(deadlineName = DEADLINE)
    void on(TransferTimedOut d, CommandGateway commands) {
        switch (step) {
            case REQUESTED -> fail(commands, "timed out before the withdrawal");
            case WITHDRAWN -> refund(commands, "timed out before the deposit");
            case DEPOSITED -> commands.send(new CompleteTransfer(transferId));
            case REFUNDING -> commands.send(new Deposit(fromAccount, amount, transferId));
            case REFUNDED -> commands.send(new FailTransfer(transferId, failure));
        }
    }

    private void refund(CommandGateway commands, String why) {
        failure = why;
        step = Step.REFUNDING;
        commands.send(new Deposit(fromAccount, amount, transferId));
    }

    private void fail(CommandGateway commands, String why) {
        failure = why;
        commands.send(new FailTransfer(transferId, why));
    }

    /**
     * The reason a step was refused; anything else (an I/O error, a conflict after retries) is rethrown so the
     * processor retries the event instead of failing a transfer for a passing fault.
     */
    private static String reason(String stepName, RuntimeException e) {
        if (e instanceof InsufficientFunds || e instanceof AggregateNotFoundException
                || e instanceof CommandValidationException || e instanceof IllegalStateException) {
            return stepName + " refused: " + e.getMessage();
        }
        throw e;
    }
}
