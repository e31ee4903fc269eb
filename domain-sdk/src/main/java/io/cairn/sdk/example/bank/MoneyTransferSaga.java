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
            fail(commands, saga, reason("withdrawal", refused));
        }
    }

    @SagaEventHandler(associationProperty = "transferId")
    void on(MoneyWithdrawn e, CommandGateway commands, SagaContext saga) {
        if (step != Step.WITHDRAWN || !e.accountId().equals(fromAccount)) {
            return;
        }
        try {
            commands.send(new Deposit(toAccount, amount, transferId));
            step = Step.DEPOSITED;
        } catch (RuntimeException refused) {
            refund(commands, saga, reason("deposit", refused));
        }
    }

    @SagaEventHandler(associationProperty = "transferId")
    void on(MoneyDeposited e, CommandGateway commands, SagaContext saga) {
        if (step == Step.DEPOSITED && e.accountId().equals(toAccount)) {
            settle(commands, saga, new CompleteTransfer(transferId));
        } else if (step == Step.REFUNDING && e.accountId().equals(fromAccount)) {
            step = Step.REFUNDED;
            settle(commands, saga, new FailTransfer(transferId, failure));
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
    void on(TransferTimedOut d, CommandGateway commands, SagaContext saga) {
        switch (step) {
            case REQUESTED -> fail(commands, saga, "timed out before the withdrawal");
            case WITHDRAWN -> refund(commands, saga, "timed out before the deposit");
            case DEPOSITED -> settle(commands, saga, new CompleteTransfer(transferId));
            case REFUNDING -> refund(commands, saga, failure);
            case REFUNDED -> settle(commands, saga, new FailTransfer(transferId, failure));
        }
    }

    private void refund(CommandGateway commands, SagaContext saga, String why) {
        failure = why;
        step = Step.REFUNDING;
        try {
            commands.send(new Deposit(fromAccount, amount, transferId));
        } catch (RuntimeException refused) {
            // The source cannot take its money back (closed meanwhile): the transfer fails saying so.
            fail(commands, saga, why + "; " + reason("refund", refused) + " (" + amount + " to be paid back to "
                    + fromAccount + " by hand)");
        }
    }

    private void fail(CommandGateway commands, SagaContext saga, String why) {
        failure = why;
        settle(commands, saga, new FailTransfer(transferId, why));
    }

    /**
     * Sends the transfer's outcome. If the transfer refuses it (it does not exist as an aggregate, or a deadline
     * settled it the other way meanwhile), there is nothing left this saga can do: it ends, rather than being
     * retried forever and blocking the transfers after it.
     */
    private void settle(CommandGateway commands, SagaContext saga, Object outcome) {
        try {
            commands.send(outcome);
        } catch (RuntimeException refused) {
            failure = reason("settling", refused);
            saga.end();
        }
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
