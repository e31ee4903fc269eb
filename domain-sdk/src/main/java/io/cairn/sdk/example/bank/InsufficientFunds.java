package io.cairn.sdk.example.bank;

/** A withdrawal asked for more than the balance plus the overdraft limit. Nothing was appended. */
public final class InsufficientFunds extends RuntimeException {
    private final String accountId;
    private final long available;
    private final long requested;

    public InsufficientFunds(String accountId, long available, long requested) {
        super("insufficient funds in account " + accountId + ": " + requested + " requested, " + available
                + " available (balance + overdraft limit)");
        this.accountId = accountId;
        this.available = available;
        this.requested = requested;
    }

    public String accountId() { return accountId; }
    public long available() { return available; }
    public long requested() { return requested; }
}
