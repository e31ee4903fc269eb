package io.cairn.server;

import java.time.Duration;
import java.util.function.ToLongFunction;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricID;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;

import io.cairn.log.LogEngine;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;

/**
 * The server's application metrics (MicroProfile Metrics, scraped at {@code /metrics} in Prometheus format):
 * <ul>
 *   <li>{@code cairn.produce.records}, {@code cairn.produce.bytes} (counters, tag {@code topic}): what the REST API appended</li>
 *   <li>{@code cairn.produce.latency} (timer, tag {@code topic}): a produce request's append, fsync included</li>
 *   <li>{@code cairn.partition.size}, {@code cairn.partition.log.end.offset}, {@code cairn.partition.log.start.offset}
 *       (gauges, tags {@code topic}, {@code partition})</li>
 *   <li>{@code cairn.request.errors} (counter, tag {@code status}): REST requests answered with an error</li>
 * </ul>
 * Partition gauges look their partition up by name at every scrape, so a deleted and re-created topic reads right.
 */
@ApplicationScoped
public class LogMetrics {
    private static final Metadata PRODUCE_RECORDS = Metadata.builder().withName("cairn.produce.records")
            .withDescription("Records appended through the REST API").build();
    private static final Metadata PRODUCE_BYTES = Metadata.builder().withName("cairn.produce.bytes")
            .withDescription("Bytes of record batches appended through the REST API").withUnit(MetricUnits.BYTES).build();
    private static final Metadata PRODUCE_LATENCY = Metadata.builder().withName("cairn.produce.latency")
            .withDescription("Time to append (and fsync, per the topic's flush policy) one produce request").build();
    private static final Metadata PARTITION_SIZE = Metadata.builder().withName("cairn.partition.size")
            .withDescription("Bytes of all segments of a partition").withUnit(MetricUnits.BYTES).build();
    private static final Metadata LOG_END = Metadata.builder().withName("cairn.partition.log.end.offset")
            .withDescription("Offset the next record appended to the partition will get").build();
    private static final Metadata LOG_START = Metadata.builder().withName("cairn.partition.log.start.offset")
            .withDescription("First offset readable in the partition").build();
    private static final Metadata REQUEST_ERRORS = Metadata.builder().withName("cairn.request.errors")
            .withDescription("REST requests answered with an error status").build();

    @Inject
    MetricRegistry registry;

    @Inject
    EngineHolder holder;

    void onEngineOpened(@Observes EngineOpened opened) {
        for (Topic t : opened.engine().topics()) {
            track(t);
        }
    }

    public void produced(String topic, int records, long bytes, Duration elapsed) {
        Tag t = new Tag("topic", topic);
        registry.counter(PRODUCE_RECORDS, t).inc(records);
        registry.counter(PRODUCE_BYTES, t).inc(bytes);
        registry.timer(PRODUCE_LATENCY, t).update(elapsed);
    }

    public void requestError(int status) {
        registry.counter(REQUEST_ERRORS, new Tag("status", Integer.toString(status))).inc();
    }

    /** Registers the gauges of every partition of {@code topic}. */
    public void track(Topic topic) {
        for (int p = 0; p < topic.partitionCount(); p++) {
            gauge(LOG_END, topic.name(), p, PartitionLog::logEndOffset);
            gauge(LOG_START, topic.name(), p, PartitionLog::logStartOffset);
            gauge(PARTITION_SIZE, topic.name(), p, PartitionLog::sizeInBytes);
        }
    }

    /** Removes the gauges and counters of a deleted topic. */
    public void untrack(String topic, int partitions) {
        for (int p = 0; p < partitions; p++) {
            Tag[] tags = partitionTags(topic, p);
            registry.remove(new MetricID(LOG_END.getName(), tags));
            registry.remove(new MetricID(LOG_START.getName(), tags));
            registry.remove(new MetricID(PARTITION_SIZE.getName(), tags));
        }
        Tag t = new Tag("topic", topic);
        registry.remove(new MetricID(PRODUCE_RECORDS.getName(), t));
        registry.remove(new MetricID(PRODUCE_BYTES.getName(), t));
        registry.remove(new MetricID(PRODUCE_LATENCY.getName(), t));
    }

    private void gauge(Metadata m, String topic, int partition, ToLongFunction<PartitionLog> value) {
        registry.gauge(m, () -> read(topic, partition, value), partitionTags(topic, partition));
    }

    private Long read(String topic, int partition, ToLongFunction<PartitionLog> value) {
        try {
            LogEngine e = holder.engine();
            return e.topic(topic).filter(t -> partition < t.partitionCount())
                    .map(t -> value.applyAsLong(t.partition(partition))).orElse(0L);
        } catch (RuntimeException e) {
            return 0L; // engine not open (starting, failed, shut down): nothing to report
        }
    }

    private static Tag[] partitionTags(String topic, int partition) {
        return new Tag[] {new Tag("topic", topic), new Tag("partition", Integer.toString(partition))};
    }
}
