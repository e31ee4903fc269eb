package io.cairn.sdk.aggregate;

import java.util.List;
import java.util.Objects;

/**
 * What handling one command decided: the new events (possibly none), the state after them, the aggregate's id and
 * the value the command returns to its sender.
 */
public record Decision<S>(String aggregateId, S state, List<Object> events, Object result) {
    public Decision {
        Objects.requireNonNull(aggregateId, "aggregateId");
        events = List.copyOf(events);
    }
}
