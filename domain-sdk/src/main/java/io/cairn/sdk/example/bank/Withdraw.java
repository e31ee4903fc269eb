package io.cairn.sdk.example.bank;

import io.cairn.sdk.command.CommandValidationException;
import io.cairn.sdk.command.TargetAggregateId;
import io.cairn.sdk.command.Validatable;

/** Takes {@code amount} (minor units, &gt; 0) out of the account; {@code transferId} is null outside a transfer. */
public record Withdraw(@TargetAggregateId String accountId, long amount, String transferId) implements Validatable {
    public Withdraw(String accountId, long amount) {
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
