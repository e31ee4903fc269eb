package io.cairn.sdk.example.bank;

import java.util.List;

/** Queries answered by {@link BankReadModel}, and the views they answer with. */
public final class BankQueries {
    private BankQueries() {
    }

    /** The account's view, or null when no such account was opened. */
    public record FindAccount(String accountId) { }

    /** Every account's view, by id. */
    public record ListAccounts() { }

    /** The transfer's view, or null when no such transfer was requested. */
    public record FindTransfer(String transferId) { }

    /** An account as the read model sees it (amounts in minor units). */
    public record AccountView(String accountId, String owner, long overdraftLimit, long balance, boolean closed,
                              List<String> transfers) { }

    /** A transfer as the read model sees it: status REQUESTED, COMPLETED or FAILED, and why it failed. */
    public record TransferView(String transferId, String fromAccount, String toAccount, long amount, String status,
                               String reason) { }
}
