package io.cairn.sdk.example.bank;

/** A transfer of {@code amount} (minor units) from one account to another was requested. */
public record TransferRequested(String transferId, String fromAccount, String toAccount, long amount) {
}
