package io.cairn.sdk.aggregate;

/** A command for an existing aggregate named one that has no events. Nothing was appended. */
public final class AggregateNotFoundException extends RuntimeException {
    private final String aggregateId;

    public AggregateNotFoundException(String aggregateType, String aggregateId, String command) {
        super(aggregateType + " " + aggregateId + " does not exist (command " + command + ")");
        this.aggregateId = aggregateId;
    }

    public String aggregateId() {
        return aggregateId;
    }
}
