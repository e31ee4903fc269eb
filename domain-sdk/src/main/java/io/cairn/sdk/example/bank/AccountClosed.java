package io.cairn.sdk.example.bank;

/** The account was closed: it takes no more deposits or withdrawals. */
public record AccountClosed(String accountId) {
}
