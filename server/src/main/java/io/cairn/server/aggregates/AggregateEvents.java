package io.cairn.server.aggregates;

import java.util.List;
import java.util.Map;

import jakarta.json.JsonObject;

import io.cairn.log.store.AppendResult;
import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;
import io.cairn.server.ApiException;
import io.cairn.server.ProblemType;

/** What the aggregate endpoints do, apart from HTTP: append and load through an {@link EventStore}. */
final class AggregateEvents {
    private AggregateEvents() {
    }

    static JsonObject append(EventStore store, String topic, String aggregateId, AggregateJson.Append a) {
        AppendResult r;
        try {
            r = store.append(topic, aggregateId, a.expectedSequence(), a.events());
        } catch (ConcurrencyConflictException c) {
            throw new ApiException(ProblemType.CONCURRENCY_CONFLICT, c.getMessage(), Map.of("aggregateId", c.aggregateId(),
                    "expectedSequence", c.expectedSequence(), "actualSequence", c.actualSequence()));
        } catch (IllegalArgumentException bad) {
            throw AggregateJson.invalid(bad.getMessage() + "; nothing was appended");
        }
        return AggregateJson.appended(topic, aggregateId, r);
    }

    static JsonObject read(EventStore store, String topic, String aggregateId, String fromSequence) {
        return read(store, topic, aggregateId, fromSequence, null, null);
    }

    static JsonObject read(EventStore store, String topic, String aggregateId, String fromSequence, String lastOnly,
                           String payloadEncoding) {
        long from = 0;
        if (fromSequence != null) {
            try {
                from = Long.parseLong(fromSequence.trim());
            } catch (NumberFormatException e) {
                throw AggregateJson.invalid("Query parameter fromSequence must be a whole number, not '" + fromSequence + "'");
            }
            if (from < 0) {
                throw AggregateJson.invalid("Query parameter fromSequence must be >= 0, not " + from);
            }
        }
        boolean last = false;
        if (lastOnly != null) {
            switch (lastOnly.trim()) {
                case "true" -> last = true;
                case "false" -> last = false;
                default -> throw AggregateJson.invalid("Query parameter last must be true or false, not '" + lastOnly + "'");
            }
        }
        boolean base64 = false;
        if (payloadEncoding != null) {
            switch (payloadEncoding.trim()) {
                case "json" -> base64 = false;
                case "base64" -> base64 = true;
                default -> throw AggregateJson.invalid("Query parameter payloadEncoding must be json or base64, not '"
                        + payloadEncoding + "'");
            }
        }
        List<StoredEvent> events;
        long lastSequence;
        try {
            if (last) {
                events = store.readLast(topic, aggregateId).map(List::of).orElse(List.of());
                lastSequence = events.isEmpty() ? store.lastSequence(topic, aggregateId) : events.get(0).sequence();
            } else {
                events = store.read(topic, aggregateId, from);
                lastSequence = events.isEmpty() ? store.lastSequence(topic, aggregateId)
                        : Math.max(store.lastSequence(topic, aggregateId), events.get(events.size() - 1).sequence());
            }
        } catch (IllegalArgumentException bad) {
            throw AggregateJson.invalid(bad.getMessage());
        }
        return AggregateJson.events(topic, aggregateId, lastSequence, events, base64);
    }
}
