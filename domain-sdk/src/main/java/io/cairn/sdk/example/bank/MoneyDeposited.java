package io.cairn.sdk.example.bank;

/** Money (minor units, &gt; 0) was paid in; {@code transferId} is null unless the deposit is part of a transfer. */
public record MoneyDeposited(String accountId, long amount, String transferId) {
}
