package io.cairn.sdk.example.bank;

import io.cairn.sdk.command.CommandValidationException;
import io.cairn.sdk.command.TargetAggregateId;
import io.cairn.sdk.command.Validatable;

/** Pays {@code amount} (minor units, &gt; 0) into the account; {@code transferId} is null outside a transfer. */
public record Deposit(@TargetAggregateId String accountId, long amount, String transferId) implements Validatable {
    public Deposit(String accountId, long amount) {
        this(accountId, amount, null);
    }

    @Override
    public void validate() {
        CommandValidationException.check(this)
                .notBlank("accountId", accountId)
                .require(amount > 0, "amount must be > 0, was " + amount)
                .throwIfAny();
    }
}
