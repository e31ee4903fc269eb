package io.cairn.sdk.processing;

import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Tokens in a compacted topic of the log itself (default {@value #DEFAULT_TOPIC}), so a processor's progress is as
 * durable as the events it read and needs no database.
 *
 * <p>Format: one record per store, keyed {@code <processor>:<topic>:<partition>}, event type
 * {@value #EVENT_TYPE}, revision 0, payload the decimal text of the next offset to handle (ASCII, e.g. {@code 1042}).
 * Compaction keeps the last record per key; {@link #load} reads it through the event store's per-key index, so it
 * costs one record read whatever the history.
 */
public final class LogTokenStore implements TokenStore {
    public static final String DEFAULT_TOPIC = "cairn-tokens";
    public static final String EVENT_TYPE = "cairn.TrackingToken";

    private final EventStore store;
    private final String topic;

    public LogTokenStore(EventStore store, String topic) {
        this.store = Objects.requireNonNull(store, "store");
        this.topic = Objects.requireNonNull(topic, "topic");
        store.ensureTopic(topic, 1, true);
    }

    public LogTokenStore(EventStore store) {
        this(store, DEFAULT_TOPIC);
    }

    @Override
    public OptionalLong load(String processor, String sourceTopic, int partition) {
        Optional<StoredEvent> last = store.readLast(topic, key(processor, sourceTopic, partition));
        if (last.isEmpty()) {
            return OptionalLong.empty();
        }
        String text = new String(last.get().payload(), StandardCharsets.US_ASCII);
        try {
            long offset = Long.parseLong(text);
            if (offset < 0) {
                throw new NumberFormatException("negative");
            }
            return OptionalLong.of(offset);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("corrupt token " + key(processor, sourceTopic, partition) + " in " + topic
                    + " at offset " + last.get().offset() + ": '" + text + "'", e);
        }
    }

    @Override
    public void store(String processor, String sourceTopic, int partition, long nextOffset) {
        if (nextOffset < 0) {
            throw new IllegalArgumentException("token offset must be >= 0, was " + nextOffset);
        }
        byte[] payload = Long.toString(nextOffset).getBytes(StandardCharsets.US_ASCII);
        store.append(topic, key(processor, sourceTopic, partition), EventStore.ANY,
                List.of(new EventData(EVENT_TYPE, 0, payload, Map.of())));
    }

    static String key(String processor, String sourceTopic, int partition) {
        return processor + ":" + sourceTopic + ":" + partition;
    }
}
