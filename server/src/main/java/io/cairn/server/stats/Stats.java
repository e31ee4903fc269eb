package io.cairn.server.stats;

import java.util.Comparator;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.cairn.log.LogEngine;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;
import io.cairn.server.KafkaListenerHost;

/**
 * Cumulative counters of the whole log at one instant, for clients that chart rates by differencing two readings
 * (the console polls it every second or two). Counters count since the engine opened (or since the topic was
 * created), from every client, REST and Kafka alike; they start again from 0 when the server restarts or a topic is
 * deleted and created again, so a reader treats a counter that went down as a restart.
 *
 * @param time   the server's clock when the counters were read (epoch milliseconds): divide by its differences
 * @param kafka  the Kafka listener
 * @param topics one entry per topic, by name
 */
@Schema(name = "Stats")
public record Stats(long time, KafkaListenerView kafka, List<TopicStats> topics) {

    @Schema(name = "KafkaListenerStats")
    public record KafkaListenerView(String state, String address, int connections) {
    }

    /**
     * @param appendedRecords records appended since the engine opened (or the topic was created)
     * @param appendedBytes   bytes of record batches appended since then
     * @param logEndOffset    sum of the partitions' log end offsets
     * @param sizeInBytes     sum of the partitions' sizes on disk
     * @param segments        segments of all partitions
     */
    @Schema(name = "TopicStats")
    public record TopicStats(String name, int partitions, long appendedRecords, long appendedBytes, long logEndOffset,
                             long sizeInBytes, int segments) {
        static TopicStats of(Topic t) {
            long records = 0;
            long bytes = 0;
            long end = 0;
            long size = 0;
            int segments = 0;
            for (PartitionLog p : t.partitions()) {
                records += p.appendedRecords();
                bytes += p.appendedBytes();
                end += p.logEndOffset();
                size += p.sizeInBytes();
                segments += p.segments().size();
            }
            return new TopicStats(t.name(), t.partitionCount(), records, bytes, end, size, segments);
        }
    }

    static Stats read(LogEngine engine, KafkaListenerHost.Status kafka, long now) {
        List<TopicStats> topics = engine.topics().stream().map(TopicStats::of)
                .sorted(Comparator.comparing(TopicStats::name)).toList();
        return new Stats(now, new KafkaListenerView(kafka.state().name(), kafka.address(), kafka.connections()), topics);
    }
}
