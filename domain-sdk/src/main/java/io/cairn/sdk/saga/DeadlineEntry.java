package io.cairn.sdk.saga;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * A deadline as stored: which saga it belongs to, its name, when it is due (epoch millis), its payload (class name and
 * JSON) and its status. Stored format (see {@link LogDeadlineStore}): this record as a JSON object.
 */
public record DeadlineEntry(String deadlineId, String sagaType, String sagaId, String name, long dueEpochMillis,
                            String payloadType, JsonNode payload, Status status) {

    public enum Status { SCHEDULED, CANCELLED, FIRED }

    public DeadlineEntry {
        Objects.requireNonNull(deadlineId, "deadlineId");
        Objects.requireNonNull(sagaType, "sagaType");
        Objects.requireNonNull(sagaId, "sagaId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(payloadType, "payloadType");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(status, "status");
    }

    DeadlineEntry withStatus(Status newStatus) {
        return new DeadlineEntry(deadlineId, sagaType, sagaId, name, dueEpochMillis, payloadType, payload, newStatus);
    }
}
