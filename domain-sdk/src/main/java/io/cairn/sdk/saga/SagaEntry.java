package io.cairn.sdk.saga;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A saga as stored: its id and type (class name), its fields as a JSON object, its associations, the highest offset
 * it has handled per topic partition ({@code "<topic>:<partition>"}, so an event delivered again after a crash is not
 * handled twice), the ids of its pending deadlines, and whether it has ended.
 *
 * <p>Stored format (see {@link LogSagaStore}): this record as a JSON object with the fields {@code sagaId, sagaType,
 * state, associations [{key, value}], handled {"topic:partition": offset}, deadlines [id], ended}.
 */
public record SagaEntry(String sagaId, String sagaType, JsonNode state, Set<Association> associations,
                        Map<String, Long> handled, Set<String> deadlines, boolean ended) {
    public SagaEntry {
        Objects.requireNonNull(sagaId, "sagaId");
        Objects.requireNonNull(sagaType, "sagaType");
        Objects.requireNonNull(state, "state");
        associations = Set.copyOf(associations);
        handled = Map.copyOf(handled);
        deadlines = Set.copyOf(deadlines);
    }
}
