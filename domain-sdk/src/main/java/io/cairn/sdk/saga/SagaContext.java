package io.cairn.sdk.saga;

import java.time.Duration;
import java.time.Instant;

/**
 * What a saga handler may do besides changing its own fields, passed as a handler parameter: associate the saga with
 * more values, schedule and cancel its deadlines, end it. Valid only during the call it was passed to.
 */
public interface SagaContext {

    String sagaId();

    /** Routes events whose association property {@code key} has {@code value} to this saga too. */
    void associateWith(String key, String value);

    void removeAssociation(String key, String value);

    /**
     * Schedules a deadline for this saga, persisted before this returns, so it fires (once it is due) even after a
     * restart. Its payload is stored as JSON and handed to the {@link DeadlineHandler} taking its type.
     *
     * @return the deadline's id
     */
    String scheduleDeadline(Instant due, String name, Object payload);

    default String scheduleDeadline(Duration delay, String name, Object payload) {
        return scheduleDeadline(now().plus(delay), name, payload);
    }

    /** Cancels one of this saga's deadlines; a deadline already fired or unknown is ignored. */
    void cancelDeadline(String deadlineId);

    /** Cancels every pending deadline of this saga with that name. */
    void cancelAllDeadlines(String name);

    /** Ends the saga after this handler returns. */
    void end();

    /** The runtime's clock (deadlines and tests use it). */
    Instant now();
}
