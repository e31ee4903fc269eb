package io.cairn.sdk.example.bank;

import io.cairn.sdk.aggregate.Aggregate;
import io.cairn.sdk.aggregate.AggregateId;
import io.cairn.sdk.aggregate.CommandHandler;
import io.cairn.sdk.aggregate.EventSourcingHandler;

import static io.cairn.sdk.aggregate.AggregateLifecycle.apply;

/**
 * A money transfer between two accounts: topic {@code bank-transfers}, keyed by transfer id. It records the request
 * and its outcome; the saga (in the runtime) moves the money and sends {@link CompleteTransfer} or
 * {@link FailTransfer}. Completing a completed transfer, or failing a failed one, does nothing (the saga may
 * repeat itself after a restart); completing a failed one, or the reverse, is an error.
 */
@Aggregate(topic = Transfer.TOPIC)
public class Transfer {

    public static final String TOPIC = "bank-transfers";

    /** Where a transfer stands. */
    public enum Status { REQUESTED, COMPLETED, FAILED }

    @AggregateId
    private String transferId;
    private String fromAccount;
    private String toAccount;
    private long amount;
    private Status status;
    private String failureReason;

    Transfer() {
    }

    @CommandHandler
    Transfer(RequestTransfer command) {
        apply(new TransferRequested(command.transferId(), command.fromAccount(), command.toAccount(), command.amount()));
    }

    @CommandHandler
    void handle(CompleteTransfer command) {
        if (status == Status.COMPLETED) {
            return;
        }
        if (status == Status.FAILED) {
            throw new IllegalStateException("transfer " + transferId + " already failed (" + failureReason
                    + "): it cannot complete");
        }
        apply(new TransferCompleted(transferId));
    }

    @CommandHandler
    void handle(FailTransfer command) {
        if (status == Status.FAILED) {
            return;
        }
        if (status == Status.COMPLETED) {
            throw new IllegalStateException("transfer " + transferId + " already completed: it cannot fail");
        }
        apply(new TransferFailed(transferId, command.reason()));
    }

    @EventSourcingHandler
    void on(TransferRequested event) {
        transferId = event.transferId();
        fromAccount = event.fromAccount();
        toAccount = event.toAccount();
        amount = event.amount();
        status = Status.REQUESTED;
    }

    @EventSourcingHandler
    void on(TransferCompleted event) {
        status = Status.COMPLETED;
    }

    @EventSourcingHandler
    void on(TransferFailed event) {
        status = Status.FAILED;
        failureReason = event.reason();
    }

    public String transferId() { return transferId; }
    public String fromAccount() { return fromAccount; }
    public String toAccount() { return toAccount; }
    public long amount() { return amount; }
    public Status status() { return status; }
    public String failureReason() { return failureReason; }
}
