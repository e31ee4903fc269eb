package io.cairn.sdk.example.bank;

import io.cairn.sdk.command.CommandValidationException;
import io.cairn.sdk.command.TargetAggregateId;
import io.cairn.sdk.command.Validatable;

import java.util.Objects;

/** Requests moving {@code amount} (minor units, &gt; 0) between two different accounts. */
public record RequestTransfer(@TargetAggregateId String transferId, String fromAccount, String toAccount, long amount)
        implements Validatable {
    @Override
    public void validate() {
        CommandValidationException.check(this)
                .notBlank("transferId", transferId)
                .notBlank("fromAccount", fromAccount)
                .notBlank("toAccount", toAccount)
                .require(amount > 0, "amount must be > 0, was " + amount)
                .require(fromAccount == null || !Objects.equals(fromAccount, toAccount),
                        "fromAccount and toAccount must differ, both are " + fromAccount)
                .throwIfAny();
    }
}
