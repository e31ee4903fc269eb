package io.cairn.log;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per-topic settings, named and interpreted as Kafka names them so that Kafka tools (kafka-configs, AdminClient) can
 * read and alter them unchanged. Immutable; {@link #with(Map)} derives a changed copy and validates it.
 *
 * <p>Persisted as {@code topic.properties} in the topic's directory, only the values that differ from the defaults
 * being meaningful to a reader (all values are written, so a later change of default does not change a topic).
 *
 * <p>Durability default: {@code flush.messages=1}, i.e. every append is fsynced (with group commit) before it is
 * acknowledged. Kafka's default leaves flushing to the OS because it relies on replicas; Cairn is the system of record
 * for event-sourced applications and runs on one node by default, so it errs on the side of durability. See
 * {@code docs/durability.md}.
 */
public final class TopicConfig {
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";

    /** Smallest segment allowed: small enough for tests that roll often, big enough to hold a batch header. */
    static final int MIN_SEGMENT_BYTES = 256;
    static final int MAX_INDEX_BYTES = 256 * 1024 * 1024;

    private static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(SEGMENT_BYTES, String.valueOf(1 << 30));
        d.put(SEGMENT_MS, String.valueOf(7L * 24 * 3600 * 1000));
        d.put(SEGMENT_INDEX_BYTES, String.valueOf(10 * 1024 * 1024));
        d.put(INDEX_INTERVAL_BYTES, "4096");
        d.put(RETENTION_MS, String.valueOf(7L * 24 * 3600 * 1000));
        d.put(RETENTION_BYTES, "-1");
        d.put(CLEANUP_POLICY, "delete");
        d.put(DELETE_RETENTION_MS, String.valueOf(24L * 3600 * 1000));
        d.put(MIN_COMPACTION_LAG_MS, "0");
        d.put(FLUSH_MESSAGES, "1");
        d.put(FLUSH_MS, String.valueOf(Long.MAX_VALUE));
        d.put(MAX_MESSAGE_BYTES, String.valueOf(1024 * 1024 + 12));
        d.put(MESSAGE_TIMESTAMP_TYPE, "CreateTime");
        d.put(FILE_DELETE_DELAY_MS, "60000");
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    public static final TopicConfig DEFAULT = new TopicConfig(DEFAULTS);

    private final Map<String, String> values;
    final int segmentBytes;
    final long segmentMs;
    final int segmentIndexBytes;
    final int indexIntervalBytes;
    final long retentionMs;
    final long retentionBytes;
    final boolean compact;
    final boolean delete;
    final long deleteRetentionMs;
    final long minCompactionLagMs;
    final long flushMessages;
    final long flushMs;
    final int maxMessageBytes;
    final boolean logAppendTime;
    final long fileDeleteDelayMs;

    private TopicConfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        segmentBytes = (int) longIn(SEGMENT_BYTES, MIN_SEGMENT_BYTES, Integer.MAX_VALUE);
        segmentMs = longIn(SEGMENT_MS, 1, Long.MAX_VALUE);
        segmentIndexBytes = (int) longIn(SEGMENT_INDEX_BYTES, 64, MAX_INDEX_BYTES);
        indexIntervalBytes = (int) longIn(INDEX_INTERVAL_BYTES, 0, Integer.MAX_VALUE);
        retentionMs = longIn(RETENTION_MS, -1, Long.MAX_VALUE);
        retentionBytes = longIn(RETENTION_BYTES, -1, Long.MAX_VALUE);
        String policy = values.get(CLEANUP_POLICY).replace(" ", "");
        Set<String> policies = Set.of(policy.split(","));
        for (String p : policies) {
            if (!p.equals("delete") && !p.equals("compact")) {
                throw new LogException.InvalidConfigException(CLEANUP_POLICY + " must be delete, compact or compact,delete, not '" + policy + "'");
            }
        }
        compact = policies.contains("compact");
        delete = policies.contains("delete");
        deleteRetentionMs = longIn(DELETE_RETENTION_MS, 0, Long.MAX_VALUE);
        minCompactionLagMs = longIn(MIN_COMPACTION_LAG_MS, 0, Long.MAX_VALUE);
        flushMessages = longIn(FLUSH_MESSAGES, 1, Long.MAX_VALUE);
        flushMs = longIn(FLUSH_MS, 0, Long.MAX_VALUE);
        maxMessageBytes = (int) longIn(MAX_MESSAGE_BYTES, 64, Integer.MAX_VALUE);
        String tsType = values.get(MESSAGE_TIMESTAMP_TYPE);
        if (!tsType.equals("CreateTime") && !tsType.equals("LogAppendTime")) {
            throw new LogException.InvalidConfigException(MESSAGE_TIMESTAMP_TYPE + " must be CreateTime or LogAppendTime, not '" + tsType + "'");
        }
        logAppendTime = tsType.equals("LogAppendTime");
        fileDeleteDelayMs = longIn(FILE_DELETE_DELAY_MS, 0, Long.MAX_VALUE);
    }

    /** The defaults overridden by {@code overrides}; unknown names and bad values are rejected. */
    public static TopicConfig of(Map<String, String> overrides) {
        return DEFAULT.with(overrides);
    }

    /** A copy with {@code changes} applied; a null value resets that name to its default. */
    public TopicConfig with(Map<String, String> changes) {
        Map<String, String> merged = new LinkedHashMap<>(values);
        changes.forEach((k, v) -> {
            if (!DEFAULTS.containsKey(k)) {
                throw new LogException.InvalidConfigException("Unknown topic config '" + k + "'; known: " + DEFAULTS.keySet());
            }
            merged.put(k, v == null ? DEFAULTS.get(k) : v.trim());
        });
        return new TopicConfig(merged);
    }

    public static Set<String> names() {
        return DEFAULTS.keySet();
    }

    public static String defaultValue(String name) {
        return DEFAULTS.get(name);
    }

    /** Every setting by name, defaults included. */
    public Map<String, String> values() {
        return values;
    }

    public String get(String name) {
        return values.get(name);
    }

    public boolean isDefault(String name) {
        return DEFAULTS.get(name).equals(values.get(name));
    }

    public boolean compacted() {
        return compact;
    }

    private long longIn(String name, long min, long max) {
        String raw = values.get(name);
        long v;
        try {
            v = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw new LogException.InvalidConfigException(name + " must be a whole number, not '" + raw + "'");
        }
        if (v < min || v > max) {
            throw new LogException.InvalidConfigException(name + " must be between " + min + " and " + max + ", not " + v);
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicConfig t && t.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "TopicConfig" + values;
    }
}
