package io.cairn.projections;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;

import io.cairn.log.LogEngine;
import io.cairn.log.LogException;
import io.cairn.log.PartitionLog;

/**
 * The dead-letter topic (one partition). Each record is the poison event's own key, value and headers, plus:
 * <pre>
 * cairn-dlq-projection   the projection that failed
 * cairn-dlq-topic        where the event is: topic,
 * cairn-dlq-partition    partition
 * cairn-dlq-offset       and offset
 * cairn-dlq-error        the last error (class: message), at most 2000 characters
 * cairn-dlq-attempts     how many times it was tried
 * </pre>
 * The dead letter is appended before the offset moves past the event, so a crash in between sends it twice at most
 * (never zero times); a replay is recorded in the meta schema, so each dead letter is replayed at most once.
 */
final class DeadLetters {
    static final String PROJECTION = "cairn-dlq-projection";
    static final String TOPIC = "cairn-dlq-topic";
    static final String PARTITION = "cairn-dlq-partition";
    static final String OFFSET = "cairn-dlq-offset";
    static final String ERROR = "cairn-dlq-error";
    static final String ATTEMPTS = "cairn-dlq-attempts";
    private static final Set<String> OWN = Set.of(PROJECTION, TOPIC, PARTITION, OFFSET, ERROR, ATTEMPTS);

    private final LogEngine engine;
    private final String topic;

    DeadLetters(LogEngine engine, String topic) {
        this.engine = engine;
        this.topic = topic;
    }

    String topic() {
        return topic;
    }

    private PartitionLog log() {
        if (engine.topic(topic).isEmpty()) {
            try {
                engine.createTopic(topic, 1, Map.of());
            } catch (LogException.TopicExistsException raced) {
                // created meanwhile by another worker
            }
        }
        return engine.partition(topic, 0);
    }

    long send(String projection, ProjectionEvent e, Throwable error, int attempts) {
        List<Header> hs = new ArrayList<>();
        e.headers().forEach((k, v) -> {
            if (!OWN.contains(k)) {
                hs.add(new RecordHeader(k, v == null ? null : v.getBytes(StandardCharsets.UTF_8)));
            }
        });
        String msg = error.getClass().getName() + ": " + error.getMessage();
        if (msg.length() > 2000) {
            msg = msg.substring(0, 2000);
        }
        hs.add(header(PROJECTION, projection));
        hs.add(header(TOPIC, e.topic()));
        hs.add(header(PARTITION, Integer.toString(e.partition())));
        hs.add(header(OFFSET, Long.toString(e.offset())));
        hs.add(header(ERROR, msg));
        hs.add(header(ATTEMPTS, Integer.toString(attempts)));
        byte[] key = e.key() == null ? null : e.key().getBytes(StandardCharsets.UTF_8);
        SimpleRecord r = new SimpleRecord(e.timestamp(), key, e.value(), hs.toArray(new Header[0]));
        return log().append(MemoryRecords.withRecords(Compression.NONE, r)).baseOffset();
    }

    private static Header header(String k, String v) {
        return new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8));
    }

    /** Dead letters of {@code projection} (all, when null) from {@code from}, at most {@code limit}. */
    List<DeadLetter> list(String projection, long from, int limit, Set<Long> replayed) {
        List<DeadLetter> out = new ArrayList<>();
        if (engine.topic(topic).isEmpty()) {
            return out;
        }
        PartitionLog log = engine.partition(topic, 0);
        long next = Math.max(from, log.logStartOffset());
        while (out.size() < limit && next < log.highWatermark()) {
            List<ProjectionEvent> batch = new ArrayList<>();
            long after = PartitionReader.read(log, next, 500, batch);
            if (after == next) {
                break;
            }
            next = after;
            for (ProjectionEvent r : batch) {
                DeadLetter d = toDeadLetter(r, replayed.contains(r.offset()));
                if (d != null && (projection == null || projection.equals(d.projection())) && out.size() < limit) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    /** The dead letter at {@code offset} as the original event, or null when there is none. */
    ProjectionEvent original(long offset, String projection) {
        if (engine.topic(topic).isEmpty()) {
            return null;
        }
        PartitionLog log = engine.partition(topic, 0);
        if (offset < log.logStartOffset() || offset >= log.highWatermark()) {
            return null;
        }
        List<ProjectionEvent> one = new ArrayList<>();
        PartitionReader.read(log, offset, 1, one);
        if (one.isEmpty() || one.get(0).offset() != offset) {
            return null;
        }
        ProjectionEvent r = one.get(0);
        Map<String, String> h = r.headers();
        if (!projection.equals(h.get(PROJECTION))) {
            return null;
        }
        Map<String, String> original = new HashMap<>(h);
        original.keySet().removeAll(OWN);
        return new ProjectionEvent(h.get(TOPIC), Integer.parseInt(h.get(PARTITION)), Long.parseLong(h.get(OFFSET)),
                r.timestamp(), r.key(), original, r.value());
    }

    private static DeadLetter toDeadLetter(ProjectionEvent r, boolean replayed) {
        Map<String, String> h = r.headers();
        if (h.get(PROJECTION) == null) {
            return null; // not written by the runtime
        }
        Map<String, String> original = new HashMap<>(h);
        original.keySet().removeAll(OWN);
        return new DeadLetter(r.offset(), h.get(PROJECTION), h.get(TOPIC), parseInt(h.get(PARTITION)),
                parseLong(h.get(OFFSET)), original.get(io.cairn.log.store.EventHeaders.EVENT_TYPE), r.key(),
                h.get(ERROR), parseInt(h.get(ATTEMPTS)), r.timestamp(), r.valueText(), original, replayed);
    }

    private static int parseInt(String s) {
        try {
            return s == null ? -1 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
