package io.cairn.server;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricID;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.log.LogEngine;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;
import io.cairn.log.kafka.ConsumerGroupInfo;

/**
 * The server's application metrics (MicroProfile Metrics, scraped at {@code /metrics} in Prometheus format); the
 * Kafka listener's request metrics are in {@link KafkaRequestMetrics}.
 * <ul>
 *   <li>{@code cairn.produce.records}, {@code cairn.produce.bytes} (counters, tag {@code topic}): what the REST API appended</li>
 *   <li>{@code cairn.produce.latency} (timer, tag {@code topic}): a REST produce request's append, fsync included</li>
 *   <li>per partition (tags {@code topic}, {@code partition}), gauges: {@code cairn.partition.size},
 *       {@code cairn.partition.log.end.offset}, {@code cairn.partition.log.start.offset},
 *       {@code cairn.partition.high.watermark}, and {@code cairn.partition.appended.records} /
 *       {@code cairn.partition.appended.bytes}: appended by anyone (REST and Kafka) since the engine opened, for
 *       produce rates; they restart from 0 with the engine</li>
 *   <li>{@code cairn.consumer.lag} (gauge, tags {@code group}, {@code topic}, {@code partition}): high watermark minus
 *       the group's committed offset, for every committed offset of a partition that exists</li>
 *   <li>{@code cairn.partitions.under.replicated} (gauge): 0, see {@link #underReplicated()}</li>
 *   <li>{@code cairn.request.errors} (counter, tag {@code status}): REST requests answered with an error</li>
 * </ul>
 * Partition and lag gauges follow what exists: {@link #refresh()} registers gauges for new partitions and committed
 * offsets and removes those of deleted topics and groups. It runs every {@link #REFRESH_SECONDS} seconds on Liberty's
 * managed scheduler (topics and groups also come and go through Kafka clients, which tell nobody), and at once
 * when the REST API creates or deletes a topic. Gauges read their value by name at each scrape, so a deleted and
 * re-created topic reads right.
 */
@ApplicationScoped
public class LogMetrics {
    private static final Logger log = LoggerFactory.getLogger(LogMetrics.class);
    static final long REFRESH_SECONDS = 5;

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
    private static final Metadata HIGH_WATERMARK = Metadata.builder().withName("cairn.partition.high.watermark")
            .withDescription("End of what consumers can read in the partition").build();
    private static final Metadata APPENDED_RECORDS = Metadata.builder().withName("cairn.partition.appended.records")
            .withDescription("Records appended to the partition (REST and Kafka) since the engine opened").build();
    private static final Metadata APPENDED_BYTES = Metadata.builder().withName("cairn.partition.appended.bytes")
            .withDescription("Bytes appended to the partition (REST and Kafka) since the engine opened")
            .withUnit(MetricUnits.BYTES).build();
    private static final Metadata CONSUMER_LAG = Metadata.builder().withName("cairn.consumer.lag")
            .withDescription("High watermark minus the consumer group's committed offset").build();
    private static final Metadata UNDER_REPLICATED = Metadata.builder().withName("cairn.partitions.under.replicated")
            .withDescription("Partitions with fewer in-sync replicas than replicas (one node: always 0)").build();
    private static final Metadata REQUEST_ERRORS = Metadata.builder().withName("cairn.request.errors")
            .withDescription("REST requests answered with an error status").build();
    private static final List<Metadata> PARTITION_GAUGES = List.of(PARTITION_SIZE, LOG_END, LOG_START, HIGH_WATERMARK,
            APPENDED_RECORDS, APPENDED_BYTES);

    @Inject
    MetricRegistry registry;

    @Inject
    EngineHolder holder;

    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService scheduler;

    private record PartitionKey(String topic, int partition) {
    }

    private record LagKey(String group, String topic, int partition) {
    }

    /** Guarded by {@code this}: the gauges registered now. */
    private final Set<PartitionKey> partitions = new HashSet<>();
    private final Set<LagKey> lags = new HashSet<>();
    private ScheduledFuture<?> refresher;

    void onEngineOpened(@Observes EngineOpened opened) {
        registry.gauge(UNDER_REPLICATED, this::underReplicated);
        refresh();
        synchronized (this) {
            if (refresher == null) {
                refresher = scheduler.scheduleWithFixedDelay(this::refreshQuietly, REFRESH_SECONDS, REFRESH_SECONDS,
                        TimeUnit.SECONDS);
            }
        }
    }

    @PreDestroy
    synchronized void stop() {
        if (refresher != null) {
            refresher.cancel(false);
            refresher = null;
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

    /** A topic was created through the REST API: its gauges appear now rather than at the next refresh. */
    public void track(Topic topic) {
        refresh();
    }

    /** A topic was deleted through the REST API: its gauges and REST counters go now. */
    public void untrack(String topic, int partitions) {
        refresh();
        Tag t = new Tag("topic", topic);
        registry.remove(new MetricID(PRODUCE_RECORDS.getName(), t));
        registry.remove(new MetricID(PRODUCE_BYTES.getName(), t));
        registry.remove(new MetricID(PRODUCE_LATENCY.getName(), t));
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            log.warn("Refreshing the partition and lag gauges failed: {}", e.toString(), e);
        }
    }

    /** Registers gauges for partitions and committed offsets that appeared, removes those that went away. */
    synchronized void refresh() {
        LogEngine engine;
        try {
            engine = holder.engine();
        } catch (EngineUnavailableException e) {
            return; // not open (yet, or any more): the gauges read 0 until it is
        }
        Set<PartitionKey> nowPartitions = new HashSet<>();
        for (Topic t : engine.topics()) {
            for (int p = 0; p < t.partitionCount(); p++) {
                nowPartitions.add(new PartitionKey(t.name(), p));
            }
        }
        Set<LagKey> nowLags = new HashSet<>();
        for (ConsumerGroupInfo g : holder.consumerGroups()) {
            for (ConsumerGroupInfo.CommittedOffset c : g.offsets()) {
                if (nowPartitions.contains(new PartitionKey(c.topic(), c.partition()))) {
                    nowLags.add(new LagKey(g.groupId(), c.topic(), c.partition()));
                }
            }
        }
        for (PartitionKey k : nowPartitions) {
            if (partitions.add(k)) {
                partitionGauges(k);
            }
        }
        for (PartitionKey k : Set.copyOf(partitions)) {
            if (!nowPartitions.contains(k)) {
                partitions.remove(k);
                for (Metadata m : PARTITION_GAUGES) {
                    registry.remove(new MetricID(m.getName(), partitionTags(k)));
                }
            }
        }
        for (LagKey k : nowLags) {
            if (lags.add(k)) {
                registry.gauge(CONSUMER_LAG, () -> lag(k), lagTags(k));
            }
        }
        for (LagKey k : Set.copyOf(lags)) {
            if (!nowLags.contains(k)) {
                lags.remove(k);
                registry.remove(new MetricID(CONSUMER_LAG.getName(), lagTags(k)));
            }
        }
    }

    private void partitionGauges(PartitionKey k) {
        gauge(PARTITION_SIZE, k, PartitionLog::sizeInBytes);
        gauge(LOG_END, k, PartitionLog::logEndOffset);
        gauge(LOG_START, k, PartitionLog::logStartOffset);
        gauge(HIGH_WATERMARK, k, PartitionLog::highWatermark);
        gauge(APPENDED_RECORDS, k, PartitionLog::appendedRecords);
        gauge(APPENDED_BYTES, k, PartitionLog::appendedBytes);
    }

    private void gauge(Metadata m, PartitionKey k, ToLongFunction<PartitionLog> value) {
        registry.gauge(m, () -> read(k, value), partitionTags(k));
    }

    private Long read(PartitionKey k, ToLongFunction<PartitionLog> value) {
        try {
            LogEngine e = holder.engine();
            return e.topic(k.topic()).filter(t -> k.partition() < t.partitionCount())
                    .map(t -> value.applyAsLong(t.partition(k.partition()))).orElse(0L);
        } catch (RuntimeException e) {
            return 0L; // engine not open (starting, failed, shut down): nothing to report
        }
    }

    /** Lag of one group on one partition, from the coordinator's in-memory snapshot (no I/O); 0 once gone. */
    private Long lag(LagKey k) {
        try {
            for (ConsumerGroupInfo g : holder.consumerGroups()) {
                if (!g.groupId().equals(k.group())) {
                    continue;
                }
                for (ConsumerGroupInfo.CommittedOffset c : g.offsets()) {
                    if (c.topic().equals(k.topic()) && c.partition() == k.partition()) {
                        return read(new PartitionKey(k.topic(), k.partition()),
                                p -> Math.max(0, p.highWatermark() - c.offset()));
                    }
                }
            }
        } catch (RuntimeException e) {
            // the listener stopped: nothing to report
        }
        return 0L;
    }

    /**
     * Partitions whose in-sync replicas are fewer than their replicas. Cairn runs one node today: every partition has
     * exactly one replica, the leader, which is always in sync with itself, so the honest count is 0. The gauge exists
     * so that dashboards and alerts written now keep working when replication arrives (docs/server.md, "Metrics").
     */
    long underReplicated() {
        return 0;
    }

    private static Tag[] partitionTags(PartitionKey k) {
        return new Tag[] {new Tag("topic", k.topic()), new Tag("partition", Integer.toString(k.partition()))};
    }

    private static Tag[] lagTags(LagKey k) {
        return new Tag[] {new Tag("group", k.group()), new Tag("topic", k.topic()),
                new Tag("partition", Integer.toString(k.partition()))};
    }
}
