package io.cairn.server.cdc;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricID;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

import io.cairn.cdc.CdcService;
import io.cairn.cdc.ConnectorStatus;

/**
 * CDC metrics, per connector (tag {@code connector}), all gauges read from the connector's status at scrape time:
 * <ul>
 *   <li>{@code cairn.cdc.captured.changes}: changes appended since the connector started in this server (counts
 *       restart from 0 with the server, so gauges, not counters; {@code rate()} works between restarts)</li>
 *   <li>{@code cairn.cdc.duplicates.skipped}: redelivered changes dropped by position</li>
 *   <li>{@code cairn.cdc.lag.milliseconds}: commit in the database → appended in Cairn, for the last change</li>
 *   <li>{@code cairn.cdc.lag.bytes}: the database's WAL position minus the captured one (PostgreSQL; -1 unknown)</li>
 *   <li>{@code cairn.cdc.snapshot.rows.done}, {@code cairn.cdc.snapshot.rows.total},
 *       {@code cairn.cdc.snapshot.tables.done}, {@code cairn.cdc.snapshot.tables.total}: snapshot progress (-1 unknown)</li>
 *   <li>{@code cairn.cdc.connector.running}: 1 while snapshotting or streaming, else 0</li>
 * </ul>
 * Gauges follow the connectors: {@link #refresh} adds those of new connectors and removes those of deleted ones; the
 * REST API calls it after a create or delete.
 */
@ApplicationScoped
public class CdcMetrics {
    private record Gauge(Metadata metadata, ToDoubleFunction<ConnectorStatus> value) {
    }

    private static final List<Gauge> GAUGES = List.of(
            gauge("cairn.cdc.captured.changes", "Changes appended to topics since the connector started", s -> s.capturedChanges()),
            gauge("cairn.cdc.duplicates.skipped", "Redelivered changes dropped because their position was already in the log",
                    s -> s.duplicatesSkipped()),
            gauge("cairn.cdc.lag.milliseconds", "Commit in the source database to append in Cairn, for the last change",
                    s -> s.lagMs() == null ? -1 : s.lagMs()),
            gauge("cairn.cdc.lag.bytes", "Source log position minus captured position (-1 when unknown)",
                    s -> s.lagBytes() == null ? -1 : s.lagBytes()),
            gauge("cairn.cdc.snapshot.rows.done", "Rows read by the initial snapshot", s -> s.snapshot().rowsDone()),
            gauge("cairn.cdc.snapshot.rows.total", "Rows to read by the initial snapshot (-1 when unknown)",
                    s -> s.snapshot().rowsTotal() == null ? -1 : s.snapshot().rowsTotal()),
            gauge("cairn.cdc.snapshot.tables.done", "Tables the initial snapshot has finished (-1 when unknown)",
                    s -> s.snapshot().tablesDone() == null ? -1 : s.snapshot().tablesDone()),
            gauge("cairn.cdc.snapshot.tables.total", "Tables in the initial snapshot (-1 when unknown)",
                    s -> s.snapshot().tablesTotal() == null ? -1 : s.snapshot().tablesTotal()),
            gauge("cairn.cdc.connector.running", "1 while the connector snapshots or streams, else 0",
                    s -> switch (s.state()) {
                        case STARTING, SNAPSHOT, STREAMING -> 1;
                        default -> 0;
                    }));

    @Inject
    MetricRegistry registry;

    private CdcService service;
    private final Set<String> tracked = new HashSet<>();

    private static Gauge gauge(String name, String description, ToDoubleFunction<ConnectorStatus> value) {
        return new Gauge(Metadata.builder().withName(name).withDescription(description).build(), value);
    }

    synchronized void track(CdcService s) {
        service = s;
        refresh();
    }

    synchronized void untrack() {
        for (String name : tracked) {
            remove(name);
        }
        tracked.clear();
        service = null;
    }

    /** Registers gauges of new connectors and removes those of deleted ones. */
    synchronized void refresh() {
        CdcService s = service;
        if (s == null) {
            return;
        }
        Set<String> now = new HashSet<>();
        for (ConnectorStatus st : s.list()) {
            now.add(st.name());
        }
        for (String name : now) {
            if (tracked.add(name)) {
                Tag t = new Tag("connector", name);
                for (Gauge g : GAUGES) {
                    registry.gauge(g.metadata(), () -> read(name, g.value()), t);
                }
            }
        }
        for (String name : Set.copyOf(tracked)) {
            if (!now.contains(name)) {
                remove(name);
                tracked.remove(name);
            }
        }
    }

    private void remove(String name) {
        for (Gauge g : GAUGES) {
            registry.remove(new MetricID(g.metadata().getName(), new Tag("connector", name)));
        }
    }

    private double read(String name, ToDoubleFunction<ConnectorStatus> value) {
        CdcService s = service;
        if (s == null) {
            return 0;
        }
        try {
            return value.applyAsDouble(s.status(name));
        } catch (RuntimeException gone) {
            return 0;
        }
    }
}
