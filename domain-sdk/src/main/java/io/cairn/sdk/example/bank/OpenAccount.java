package io.cairn.sdk.example.bank;

import io.cairn.sdk.command.CommandValidationException;
import io.cairn.sdk.command.TargetAggregateId;
import io.cairn.sdk.command.Validatable;

/** Opens account {@code accountId} for {@code owner} with an overdraft limit (minor units, ≥ 0). */
public record OpenAccount(@TargetAggregateId String accountId, String owner, long overdraftLimit) implements Validatable {
    @Override
    public void validate() {
        CommandValidationException.check(this)
                .notBlank("accountId", accountId)
                .notBlank("owner", owner)
                .require(overdraftLimit >= 0, "overdraftLimit must be >= 0, was " + overdraftLimit)
                .throwIfAny();
    }
}
