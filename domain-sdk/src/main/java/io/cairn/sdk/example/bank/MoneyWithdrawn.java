package io.cairn.sdk.example.bank;

/** Money (minor units, &gt; 0) was taken out; {@code transferId} is null unless the withdrawal is part of a transfer. */
public record MoneyWithdrawn(String accountId, long amount, String transferId) {
}
