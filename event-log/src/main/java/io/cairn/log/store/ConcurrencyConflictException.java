package io.cairn.log.store;

import io.cairn.log.LogException;

/** An append's expected sequence did not match the aggregate's last sequence: another writer got there first. */
public final class ConcurrencyConflictException extends LogException {
    private final String aggregateId;
    private final long expectedSequence;
    private final long actualSequence;

    public ConcurrencyConflictException(String topic, String aggregateId, long expectedSequence, long actualSequence) {
        super("concurrency conflict on aggregate " + aggregateId + " in topic " + topic + ": expected last sequence "
                + expectedSequence + ", actual " + actualSequence);
        this.aggregateId = aggregateId;
        this.expectedSequence = expectedSequence;
        this.actualSequence = actualSequence;
    }

    public String aggregateId() { return aggregateId; }
    public long expectedSequence() { return expectedSequence; }
    public long actualSequence() { return actualSequence; }
}
