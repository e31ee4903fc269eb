package io.cairn.server;

/**
 * The kinds of error the REST API reports, as RFC 9457 problem types. The {@code type} URIs are identifiers (tag URIs,
 * RFC 4151), not links: clients compare them, they do not fetch them.
 */
public enum ProblemType {
    MALFORMED_JSON(400, "malformed-json", "Malformed JSON"),
    INVALID_REQUEST(400, "invalid-request", "Invalid request"),
    INVALID_CONFIG(400, "invalid-config", "Invalid topic configuration"),
    INVALID_BATCH(400, "invalid-batch", "Invalid record batch"),
    UNKNOWN_TOPIC(404, "unknown-topic", "Unknown topic or partition"),
    UNKNOWN_PROJECTION(404, "unknown-projection", "Unknown projection or dead letter"),
    UNKNOWN_AGGREGATE(404, "unknown-aggregate", "Unknown aggregate"),
    COMMAND_REJECTED(409, "command-rejected", "Command rejected by the domain"),
    UNKNOWN_PROCESSOR(404, "unknown-processor", "Unknown event processor"),
    TOPIC_EXISTS(409, "topic-exists", "Topic already exists"),
    LIMIT_EXCEEDED(409, "limit-exceeded", "Engine limit exceeded"),
    PROJECTION_CONFLICT(409, "projection-conflict", "Projection busy or already done"),
    REPLAY_FAILED(422, "replay-failed", "Dead letter still fails"),
    CONCURRENCY_CONFLICT(409, "concurrency-conflict", "Concurrency conflict"),
    CONTENT_TOO_LARGE(413, "content-too-large", "Request content too large"),
    RECORD_TOO_LARGE(413, "record-too-large", "Record batch too large"),
    OFFSET_OUT_OF_RANGE(416, "offset-out-of-range", "Offset out of range"),
    STORAGE_ERROR(500, "storage-error", "Storage error"),
    CORRUPT_DATA(500, "corrupt-data", "Stored data failed its check"),
    INTERNAL_ERROR(500, "internal-error", "Internal server error"),
    ENGINE_UNAVAILABLE(503, "engine-unavailable", "Log engine unavailable"),
    PROJECTIONS_UNAVAILABLE(503, "projections-unavailable", "Projections not running");

    private static final String PREFIX = "tag:cairn.io,2025:problems/";

    private final int status;
    private final String slug;
    private final String title;

    ProblemType(int status, String slug, String title) {
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String uri() {
        return PREFIX + slug;
    }

    public String title() {
        return title;
    }
}
