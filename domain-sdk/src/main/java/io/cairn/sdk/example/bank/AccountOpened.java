package io.cairn.sdk.example.bank;

/** An account was opened; {@code overdraftLimit} (minor units, ≥ 0) is how far the balance may go below zero. */
public record AccountOpened(String accountId, String owner, long overdraftLimit) {
}
