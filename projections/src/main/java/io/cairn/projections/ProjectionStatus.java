package io.cairn.projections;

import java.time.Instant;
import java.util.List;

/**
 * What a projection is doing.
 *
 * @param state          RUNNING; WAITING_FOR_DATABASE (the database is unreachable or went away: the projection, or
 *                       some of its partitions, wait and retry with backoff; {@code lastError} says why); RETRYING
 *                       (another failure that is not an event's, e.g. a table dropped by hand, retried with backoff);
 *                       STOPPED (a poison event with {@code onPoison=STOP} stopped a partition, or it was taken over);
 *                       STARTING (registered, not started yet); CLOSED
 * @param generation     the generation readers' views show
 * @param applied        events applied since this runtime started
 * @param eventsPerSecond events applied per second over the last few seconds
 * @param lag            sum of the partitions' lag
 * @param lastError      the last failure (database or handler), or null
 * @param rebuild        the rebuild in progress or last finished, or null
 */
public record ProjectionStatus(String name, String state, int generation, long applied, double eventsPerSecond,
                               long lag, String lastError, Instant lastErrorAt, List<PartitionStatus> partitions,
                               RebuildProgress rebuild) {
    /** The state of a projection that waits for the database to come back. */
    public static final String WAITING_FOR_DATABASE = "WAITING_FOR_DATABASE";

    /** @param lag the partition's high watermark minus the next offset to apply */
    public record PartitionStatus(String topic, int partition, long nextOffset, long endOffset, long lag,
                                  boolean stopped) {
    }

    /**
     * A rebuild: events {@code done} of {@code total} (the partitions' ends when it started), its rate and the time
     * left at that rate.
     *
     * @param state BUILDING, SWITCHING, DONE or FAILED
     */
    public record RebuildProgress(int generation, String state, long done, long total, double eventsPerSecond,
                                  long etaSeconds, Instant started, Instant finished, String error) {
        public double fraction() {
            return total == 0 ? (state.equals("DONE") ? 1.0 : 0.0) : Math.min(1.0, (double) done / total);
        }
    }
}
