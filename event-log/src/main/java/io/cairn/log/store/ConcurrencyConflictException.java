package io.cairn.log.store;

import io.cairn.log.LogException;

/** An append's expected sequence did not match the aggregate's last sequence: another writer got there first. */
public final class ConcurrencyConflictException extends LogException {
    private final String aggregateId;
    private final long expectedSequence;
    private final long actualSequence;

    public ConcurrencyConflictException(String topic, String aggregateId, long expectedSequence, long actualSequence) {
        super(MESSAGE_PREFIX + aggregateId + " in topic " + topic + ": expected last sequence "
                + expectedSequence + ", actual " + actualSequence);
        this.aggregateId = aggregateId;
        this.expectedSequence = expectedSequence;
        this.actualSequence = actualSequence;
    }

    /** The start of every conflict's message (the Kafka listener sends the message; remote stores recognise it). */
    public static final String MESSAGE_PREFIX = "concurrency conflict on aggregate ";
    private static final java.util.regex.Pattern ACTUAL = java.util.regex.Pattern.compile(", actual (-?\\d+)$");

    /**
     * The conflict a remote server reported with this class's message (over the Kafka protocol), or null when
     * {@code message} is not a conflict's. The actual sequence is read from the message; -3 if it has none.
     */
    public static ConcurrencyConflictException fromMessage(String topic, String aggregateId, long expectedSequence,
                                                           String message) {
        if (message == null || !message.startsWith(MESSAGE_PREFIX)) {
            return null;
        }
        java.util.regex.Matcher m = ACTUAL.matcher(message);
        long actual = -3;
        if (m.find()) {
            try {
                actual = Long.parseLong(m.group(1));
            } catch (NumberFormatException ignored) {
                // out of range: unknown
            }
        }
        return new ConcurrencyConflictException(topic, aggregateId, expectedSequence, actual);
    }

    public String aggregateId() { return aggregateId; }
    public long expectedSequence() { return expectedSequence; }
    public long actualSequence() { return actualSequence; }
}
