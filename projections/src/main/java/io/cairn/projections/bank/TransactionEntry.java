package io.cairn.projections.bank;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A row of {@code transaction_history}: one deposit or withdrawal. Written by {@link TransactionHistoryProjection}. */
@Entity
@Table(name = "transaction_history")
public class TransactionEntry {
    /** Where the event is in the log: {@code <partition>-<offset>} of bank-accounts (unique, and stable on replay). */
    @Id
    @Column(name = "event_id")
    private String eventId;

    @Column(name = "account_id", nullable = false)
    private String accountId;

    @Column(name = "kind", nullable = false)
    private String kind;

    @Column(name = "amount", nullable = false)
    private long amount;

    @Column(name = "transfer_id")
    private String transferId;

    @Column(name = "occurred_at", nullable = false)
    private OffsetDateTime occurredAt;

    protected TransactionEntry() {
        // for the persistence provider
    }

    TransactionEntry(String eventId, String accountId, String kind, long amount, String transferId, OffsetDateTime occurredAt) {
        this.eventId = eventId;
        this.accountId = accountId;
        this.kind = kind;
        this.amount = amount;
        this.transferId = transferId;
        this.occurredAt = occurredAt;
    }

    public String eventId() {
        return eventId;
    }

    public String accountId() {
        return accountId;
    }

    public String kind() {
        return kind;
    }

    public long amount() {
        return amount;
    }

    public String transferId() {
        return transferId;
    }

    public OffsetDateTime occurredAt() {
        return occurredAt;
    }
}
