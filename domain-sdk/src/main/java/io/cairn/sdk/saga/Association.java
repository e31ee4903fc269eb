package io.cairn.sdk.saga;

import java.util.Objects;

/** A saga's association: events whose association property {@code key} has {@code value} reach the saga. */
public record Association(String key, String value) {
    public Association {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
