package io.cairn.sdk.example.bank;

import io.cairn.sdk.command.CommandValidationException;
import io.cairn.sdk.command.TargetAggregateId;
import io.cairn.sdk.command.Validatable;

/** Marks the transfer failed with a reason. Idempotent. */
public record FailTransfer(@TargetAggregateId String transferId, String reason) implements Validatable {
    @Override
    public void validate() {
        CommandValidationException.check(this)
                .notBlank("transferId", transferId)
                .notBlank("reason", reason)
                .throwIfAny();
    }
}
