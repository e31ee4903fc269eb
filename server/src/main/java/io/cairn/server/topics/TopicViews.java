package io.cairn.server.topics;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;

/**
 * The JSON shapes of the topics API. Responses are serialized by JSON-B from these records; the record shapes
 * ({@link RecordIn}, {@link RecordOut}, {@link RecordsPage}) are read and written with JSON-P by {@code RecordJson}
 * and are declared here for the OpenAPI document.
 */
public final class TopicViews {
    private TopicViews() {
    }

    @Schema(name = "TopicSummary")
    public record Summary(String name, String id, int partitionCount) {
        static Summary of(Topic t) {
            return new Summary(t.name(), t.id().toString(), t.partitionCount());
        }
    }

    @Schema(name = "TopicDescription")
    public record Description(String name, String id, int partitionCount, Map<String, String> configs,
                              List<PartitionView> partitions) {
        static Description of(Topic t) {
            return new Description(t.name(), t.id().toString(), t.partitionCount(), t.config().values(),
                    t.partitions().stream().map(PartitionView::of).toList());
        }
    }

    @Schema(name = "Partition", description = "Offsets: the log start offset is the first readable, the log end offset the "
            + "next to be written, the high watermark the end of what readers see")
    public record PartitionView(int partition, long logStartOffset, long logEndOffset, long highWatermark,
                                long sizeInBytes, List<SegmentView> segments) {
        static PartitionView of(PartitionLog p) {
            return new PartitionView(p.partition(), p.logStartOffset(), p.logEndOffset(), p.highWatermark(),
                    p.sizeInBytes(), p.segments().stream().map(SegmentView::of).toList());
        }
    }

    @Schema(name = "Segment")
    public record SegmentView(long baseOffset, long nextOffset, long sizeInBytes, long largestTimestamp, boolean active) {
        static SegmentView of(PartitionLog.SegmentInfo s) {
            return new SegmentView(s.baseOffset(), s.nextOffset(), s.sizeInBytes(), s.largestTimestamp(), s.active());
        }
    }

    @Schema(name = "ProduceResult", description = "Where each record went, in request order")
    public record ProduceResult(String topic, List<Offset> offsets) {
    }

    @Schema(name = "RecordOffset")
    public record Offset(int partition, long offset) {
    }

    @Schema(name = "RecordIn", description = "A record to produce; every field is optional")
    public record RecordIn(
            @Schema(description = "Stored as UTF-8; decides the partition (murmur2, as Kafka) unless 'partition' is given") String key,
            @Schema(description = "Any JSON, stored as its UTF-8 JSON text; null or absent: a null value (tombstone)") Object value,
            @Schema(description = "Header values are strings (UTF-8) or null") Map<String, String> headers,
            @Schema(description = "Partition to append to; default: by key, else round robin") Integer partition) {
    }

    @Schema(name = "RecordOut", description = "A stored record. A value that is not UTF-8 JSON comes as valueBase64 "
            + "(value null); a key that is not UTF-8 as keyBase64")
    public record RecordOut(long offset, long timestamp, String key, Object value, Map<String, String> headers,
                            String keyBase64, String valueBase64) {
    }

    @Schema(name = "RecordsPage", description = "Records read from a partition; continue from nextOffset")
    public record RecordsPage(String topic, int partition, List<RecordOut> records, long nextOffset,
                              long logStartOffset, long highWatermark) {
    }
}
