package io.cairn.sdk.example.bank;

import io.cairn.sdk.command.CommandValidationException;
import io.cairn.sdk.command.TargetAggregateId;
import io.cairn.sdk.command.Validatable;

/** Closes the account; its balance must be zero. Closing a closed account does nothing. */
public record CloseAccount(@TargetAggregateId String accountId) implements Validatable {
    @Override
    public void validate() {
        CommandValidationException.check(this).notBlank("accountId", accountId).throwIfAny();
    }
}
