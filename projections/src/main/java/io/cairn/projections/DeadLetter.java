package io.cairn.projections;

import java.util.Map;

/**
 * An event a projection could not apply, as kept in the dead-letter topic.
 *
 * @param deadLetterOffset its offset in the dead-letter topic (what {@link ProjectionRuntime#replay} takes)
 * @param replayed         whether a replay applied it since
 */
public record DeadLetter(long deadLetterOffset, String projection, String topic, int partition, long offset,
                         String type, String key, String error, int attempts, long timestamp, String value,
                         Map<String, String> headers, boolean replayed) {
}
