package io.cairn.sdk.saga;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Deadlines in a compacted topic of the log (default {@value #DEFAULT_TOPIC}): one record per change of a deadline
 * (scheduled, cancelled, fired), keyed by deadline id, event type {@value #EVENT_TYPE} revision 0, payload the
 * {@link DeadlineEntry} as JSON. Compaction keeps each deadline's last status; {@link #loadScheduled} scans the topic
 * at start-up.
 */
public final class LogDeadlineStore implements DeadlineStore {
    public static final String DEFAULT_TOPIC = "cairn-deadlines";
    public static final String EVENT_TYPE = "cairn.Deadline";

    private final EventStore store;
    private final String topic;
    private final ObjectMapper mapper;

    public LogDeadlineStore(EventStore store, String topic, ObjectMapper mapper) {
        this.store = Objects.requireNonNull(store, "store");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        store.ensureTopic(topic, 1, true);
    }

    @Override
    public List<DeadlineEntry> loadScheduled() {
        List<DeadlineEntry> result = new ArrayList<>();
        for (StoredEvent e : LogScan.latestPerKey(store, topic).values()) {
            DeadlineEntry d;
            try {
                d = mapper.readValue(e.payload(), DeadlineEntry.class);
            } catch (IOException ex) {
                throw new IllegalStateException("unreadable deadline " + e.aggregateId() + " in " + topic + " at "
                        + e.partition() + "@" + e.offset() + ": " + ex.getMessage(), ex);
            }
            if (d.status() == DeadlineEntry.Status.SCHEDULED) {
                result.add(d);
            }
        }
        return result;
    }

    @Override
    public void save(DeadlineEntry entry) {
        try {
            store.append(topic, entry.deadlineId(), EventStore.ANY,
                    List.of(new EventData(EVENT_TYPE, 0, mapper.writeValueAsBytes(entry), Map.of())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write deadline " + entry.deadlineId() + " as JSON", e);
        }
    }
}
