package io.cairn.sdk.example.bank;

import io.cairn.sdk.command.CommandValidationException;
import io.cairn.sdk.command.TargetAggregateId;
import io.cairn.sdk.command.Validatable;

/** Marks the transfer completed (the saga sends it after the deposit into the target account). Idempotent. */
public record CompleteTransfer(@TargetAggregateId String transferId) implements Validatable {
    @Override
    public void validate() {
        CommandValidationException.check(this).notBlank("transferId", transferId).throwIfAny();
    }
}
