package io.cairn.server.projections;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricID;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.projections.ProjectionRuntime;
import io.cairn.projections.ProjectionStatus;
import io.cairn.server.EngineOpened;

/**
 * Projection gauges at {@code /metrics} (Prometheus names in docs/projections.md):
 * <ul>
 *   <li>{@code cairn.projection.lag} (tags {@code projection}, {@code topic}, {@code partition}): high watermark minus
 *       the next offset to apply</li>
 *   <li>{@code cairn.projection.events.per.second}, {@code cairn.projection.applied} (tag {@code projection}):
 *       events applied per second over the last seconds, and since the server started</li>
 *   <li>{@code cairn.projection.rebuild.progress} (0..1), {@code cairn.projection.rebuild.eta.seconds} (-1 unknown),
 *       {@code cairn.projection.rebuild.events.per.second} (tag {@code projection}): the current or last rebuild</li>
 *   <li>{@code cairn.projection.generation}, {@code cairn.projection.stopped} (1 when a poison event stopped a
 *       partition) (tag {@code projection})</li>
 * </ul>
 * Like the log's gauges they follow what exists: a refresh every {@link ProjectionsHost#RETRY_SECONDS} s adds gauges
 * for new partitions and removes others; each gauge reads a status snapshot at most one second old at scrape time.
 */
@ApplicationScoped
public class ProjectionMetrics {
    private static final Logger log = LoggerFactory.getLogger(ProjectionMetrics.class);
    private static final Metadata LAG = meta("cairn.projection.lag", "High watermark minus the projection's next offset to apply");
    private static final Metadata RATE = meta("cairn.projection.events.per.second", "Events applied per second (last seconds)");
    private static final Metadata APPLIED = meta("cairn.projection.applied", "Events applied since the server started");
    private static final Metadata GENERATION = meta("cairn.projection.generation", "Generation of the tables readers see");
    private static final Metadata STOPPED = meta("cairn.projection.stopped", "1 when a poison event stopped a partition");
    private static final Metadata WAITING = meta("cairn.projection.waiting.for.database",
            "1 while the projection waits for the database to come back (it retries with backoff)");
    private static final Metadata REBUILD = meta("cairn.projection.rebuild.progress", "Rebuild: events done / total (0..1)");
    private static final Metadata REBUILD_ETA = meta("cairn.projection.rebuild.eta.seconds", "Rebuild: seconds left at the current rate (-1 unknown)");
    private static final Metadata REBUILD_RATE = meta("cairn.projection.rebuild.events.per.second", "Rebuild: events per second");

    @Inject
    MetricRegistry registry;

    @Inject
    ProjectionsHost host;

    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService scheduler;

    private record LagKey(String projection, String topic, int partition) {
    }

    private final Set<LagKey> lags = new HashSet<>();
    private final Set<String> names = new HashSet<>();
    private ScheduledFuture<?> refresher;
    private volatile List<ProjectionStatus> snapshot = List.of();
    private volatile long snapshotAt;

    private static Metadata meta(String name, String description) {
        return Metadata.builder().withName(name).withDescription(description).build();
    }

    void onEngineOpened(@Observes EngineOpened opened) {
        synchronized (this) {
            if (refresher == null) {
                refresher = scheduler.scheduleWithFixedDelay(this::refreshQuietly, 1, ProjectionsHost.RETRY_SECONDS,
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

    private List<ProjectionStatus> statuses() {
        long now = System.nanoTime();
        if (now - snapshotAt > 1_000_000_000L) {
            ProjectionRuntime rt = host.runtime();
            snapshot = rt == null ? List.of() : rt.status();
            snapshotAt = now;
        }
        return snapshot;
    }

    private double of(String projection, ToDoubleFunction<ProjectionStatus> f) {
        return statuses().stream().filter(s -> s.name().equals(projection)).mapToDouble(f).findFirst().orElse(0);
    }

    private double rebuild(String projection, ToDoubleFunction<ProjectionStatus.RebuildProgress> f) {
        return of(projection, s -> s.rebuild() == null ? 0 : f.applyAsDouble(s.rebuild()));
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            log.warn("Refreshing the projection gauges failed: {}", e.toString(), e);
        }
    }

    synchronized void refresh() {
        snapshotAt = 0;
        Set<LagKey> nowLags = new HashSet<>();
        Set<String> nowNames = new HashSet<>();
        for (ProjectionStatus s : statuses()) {
            nowNames.add(s.name());
            for (ProjectionStatus.PartitionStatus p : s.partitions()) {
                nowLags.add(new LagKey(s.name(), p.topic(), p.partition()));
            }
        }
        for (String n : nowNames) {
            if (names.add(n)) {
                Tag t = new Tag("projection", n);
                registry.gauge(RATE, () -> of(n, ProjectionStatus::eventsPerSecond), t);
                registry.gauge(APPLIED, () -> of(n, ProjectionStatus::applied), t);
                registry.gauge(GENERATION, () -> of(n, ProjectionStatus::generation), t);
                registry.gauge(STOPPED, () -> of(n, s -> "STOPPED".equals(s.state()) ? 1 : 0), t);
                registry.gauge(WAITING, () -> of(n, s -> ProjectionStatus.WAITING_FOR_DATABASE.equals(s.state()) ? 1 : 0), t);
                registry.gauge(REBUILD, () -> rebuild(n, ProjectionStatus.RebuildProgress::fraction), t);
                registry.gauge(REBUILD_ETA, () -> rebuild(n, ProjectionStatus.RebuildProgress::etaSeconds), t);
                registry.gauge(REBUILD_RATE, () -> rebuild(n, ProjectionStatus.RebuildProgress::eventsPerSecond), t);
            }
        }
        for (String n : Set.copyOf(names)) {
            if (!nowNames.contains(n)) {
                names.remove(n);
                for (Metadata m : List.of(RATE, APPLIED, GENERATION, STOPPED, WAITING, REBUILD, REBUILD_ETA, REBUILD_RATE)) {
                    registry.remove(new MetricID(m.getName(), new Tag("projection", n)));
                }
            }
        }
        for (LagKey k : nowLags) {
            if (lags.add(k)) {
                registry.gauge(LAG, () -> lag(k), tags(k));
            }
        }
        for (LagKey k : Set.copyOf(lags)) {
            if (!nowLags.contains(k)) {
                lags.remove(k);
                registry.remove(new MetricID(LAG.getName(), tags(k)));
            }
        }
    }

    private double lag(LagKey k) {
        return of(k.projection(), s -> s.partitions().stream()
                .filter(p -> p.topic().equals(k.topic()) && p.partition() == k.partition())
                .mapToLong(ProjectionStatus.PartitionStatus::lag).findFirst().orElse(0));
    }

    private static Tag[] tags(LagKey k) {
        return new Tag[] {new Tag("projection", k.projection()), new Tag("topic", k.topic()),
                new Tag("partition", Integer.toString(k.partition()))};
    }
}
