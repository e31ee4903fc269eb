package io.cairn.log.store;

/**
 * Record header names of aggregate events. Values are UTF-8 strings (numbers in decimal). Metadata entries of
 * {@link EventData} other than correlation and causation ids are stored as {@code cairn-meta-<key>}.
 *
 * <p>{@link #EXPECTED_SEQUENCE} is a request header, not stored: a Kafka producer puts it on the first record of a
 * batch to make the whole batch a conditional append (see docs/event-store.md).
 */
public final class EventHeaders {
    public static final String AGGREGATE_TYPE = "cairn-aggregate-type";
    public static final String SEQUENCE = "cairn-sequence";
    public static final String EVENT_TYPE = "cairn-event-type";
    public static final String REVISION = "cairn-revision";
    public static final String CORRELATION_ID = "cairn-correlation-id";
    public static final String CAUSATION_ID = "cairn-causation-id";
    public static final String META_PREFIX = "cairn-meta-";
    public static final String EXPECTED_SEQUENCE = "cairn-expected-sequence";

    /** Metadata keys that map to their own headers. */
    public static final String CORRELATION_KEY = "correlationId";
    public static final String CAUSATION_KEY = "causationId";

    private EventHeaders() {
    }
}
