package io.cairn.sdk.example.bank;

import java.time.Duration;
import java.util.Objects;

/** How long a transfer may take before {@link MoneyTransferSaga} gives up on it (a runtime resource). */
public record TransferTimeout(Duration value) {
    public TransferTimeout {
        Objects.requireNonNull(value, "value");
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("transfer timeout must be positive, was " + value);
        }
    }
}
