package io.cairn.cdc;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.debezium.embedded.Connect;
import io.debezium.embedded.EmbeddedEngineChangeEvent;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.debezium.engine.format.JsonByteArray;

/**
 * One connector running: a Debezium async embedded engine whose batches go through a {@link ChangeWriter} into the
 * log. States: {@link ConnectorState}. The engine runs on a thread from the service's {@link ThreadFactory} (Liberty's
 * managed one in the server); Debezium's own worker pools are its internals.
 *
 * <p>Thread-safety: {@link #start}, {@link #stop} and {@link #status} may be called from any thread; start and stop
 * are serialized by the service.
 */
final class CdcConnector {
    private static final Logger log = LoggerFactory.getLogger(CdcConnector.class);
    private static final long STOP_WAIT_MS = 60_000;

    private final ConnectorDefinition definition;
    private final ConnectorConfig config;
    private final CdcStorage storage;
    private final ThreadFactory threads;
    private final SourceDatabase source;
    private volatile ConnectorState state;
    private volatile String error;
    private volatile DebeziumEngine<?> engine;
    private volatile ChangeWriter writer;
    private volatile CountDownLatch polling = new CountDownLatch(1);
    private volatile CountDownLatch done = new CountDownLatch(1);
    private volatile Thread thread;
    private volatile Object[] sourcePosition;
    private volatile long sourcePositionAt;
    private volatile Long rowsTotal;
    private volatile boolean counting;

    CdcConnector(ConnectorDefinition definition, ConnectorConfig config, CdcStorage storage, ThreadFactory threads) {
        this.definition = definition;
        this.config = config;
        this.storage = storage;
        this.threads = threads;
        this.source = new SourceDatabase(config);
        this.state = definition.paused() ? ConnectorState.PAUSED : ConnectorState.STOPPED;
    }

    ConnectorDefinition definition() {
        return definition;
    }

    ConnectorConfig config() {
        return config;
    }

    String engineName() {
        return definition.engineName();
    }

    Properties debeziumProperties() {
        return config.debeziumProperties(storage.id(), engineName());
    }

    synchronized void start() {
        if (state.running()) {
            return;
        }
        ChangeWriter w = new ChangeWriter(storage.engine(), config);
        CountDownLatch p = new CountDownLatch(1);
        CountDownLatch d = new CountDownLatch(1);
        DebeziumEngine<?> e;
        if (config.convertsItself()) {
            // SourceRecords, turned into the converter's JSON by ConnectJson on this engine's thread (see docs/cdc.md,
            // "Batching, and the cost per change").
            ConnectJson keys = new ConnectJson(true);
            ConnectJson values = new ConnectJson(false);
            e = callbacks(DebeziumEngine.create(ChangeEventFormat.of(Connect.class)), p, d)
                    .notifying((records, committer) -> {
                        List<ChangeWriter.Change> changes = new ArrayList<>(records.size());
                        synchronized (keys) { // one engine thread calls this (single-task connectors); in case not
                            for (RecordChangeEvent<SourceRecord> r : records) {
                                SourceRecord sr = r.record();
                                String topic = sr.topic();
                                if (ChangeWriter.isHeartbeat(topic)) {
                                    changes.add(new ChangeWriter.Change(topic, null, null, sr.sourceOffset()));
                                } else {
                                    changes.add(new ChangeWriter.Change(topic,
                                            keys.toJson(topic, sr.keySchema(), sr.key()),
                                            values.toJson(topic, sr.valueSchema(), sr.value()), sr.sourceOffset()));
                                }
                            }
                        }
                        write(w, changes);
                        for (RecordChangeEvent<SourceRecord> r : records) {
                            committer.markProcessed(r);
                        }
                        committer.markBatchFinished();
                    })
                    .build();
        } else {
            // The user configured the converter: Debezium's JsonByteArray format, converted by Debezium.
            e = callbacks(DebeziumEngine.create(JsonByteArray.class), p, d)
                    .notifying((records, committer) -> {
                        List<ChangeWriter.Change> changes = new ArrayList<>(records.size());
                        for (ChangeEvent<byte[], byte[]> r : records) {
                            SourceRecord sr = ((EmbeddedEngineChangeEvent<?, ?, ?>) r).sourceRecord();
                            changes.add(ChangeWriter.Change.of(sr, r.key(), r.value()));
                        }
                        write(w, changes);
                        for (ChangeEvent<byte[], byte[]> r : records) {
                            committer.markProcessed(r);
                        }
                        committer.markBatchFinished();
                    })
                    .build();
        }
        storage.beforeOffsets(engineName(), w::flush);
        writer = w;
        polling = p;
        done = d;
        engine = e;
        error = null;
        rowsTotal = null;
        counting = false;
        state = ConnectorState.STARTING;
        Thread t = threads.newThread(() -> {
            try {
                e.run();
            } catch (RuntimeException ex) {
                state = ConnectorState.FAILED;
                error = ex.toString();
                d.countDown();
            }
        });
        t.setName("cairn-cdc-" + definition.name());
        thread = t;
        t.start();
    }

    /** Appends one batch (on the storage's I/O thread, never on Debezium's interruptible one) and follows its phase. */
    private void write(ChangeWriter w, List<ChangeWriter.Change> changes) {
        storage.io(() -> w.write(changes));
        if (w.inSnapshot && state == ConnectorState.STREAMING) {
            state = ConnectorState.SNAPSHOT;
        } else if (!w.inSnapshot && state == ConnectorState.SNAPSHOT) {
            state = ConnectorState.STREAMING;
        }
    }

    /** The engine's properties, class loader, and the callbacks that follow its state. */
    private <R> DebeziumEngine.Builder<R> callbacks(DebeziumEngine.Builder<R> b, CountDownLatch p, CountDownLatch d) {
        return b.using(debeziumProperties())
                .using(ConnectorConfig.class.getClassLoader())
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void pollingStarted() {
                        if (state == ConnectorState.STARTING) {
                            state = ConnectorState.STREAMING;
                        }
                        p.countDown();
                    }
                })
                .using((success, message, failure) -> {
                    if (!success && state.running()) {
                        state = ConnectorState.FAILED;
                        error = message + (failure == null || message.contains(String.valueOf(failure.getMessage()))
                                ? "" : ": " + failure.getMessage());
                        log.warn("CDC connector {} failed: {}", definition.name(), error, failure);
                    }
                    d.countDown();
                });
    }

    /** Stops the engine (Debezium flushes its offsets) and leaves the connector in {@code next}. */
    synchronized void stop(ConnectorState next) {
        DebeziumEngine<?> e = engine;
        ConnectorState was = state;
        state = next;
        if (e == null) {
            return;
        }
        try {
            // close() before polling started throws; a failing start ends by itself.
            if (was.running()) {
                polling.await(STOP_WAIT_MS, TimeUnit.MILLISECONDS);
            }
            if (polling.getCount() == 0) {
                e.close();
            }
            done.await(STOP_WAIT_MS, TimeUnit.MILLISECONDS);
            Thread t = thread;
            if (t != null) {
                t.join(STOP_WAIT_MS);
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } catch (Exception ex) {
            log.warn("Stopping CDC connector {}: {}", definition.name(), ex.toString(), ex);
        }
        engine = null;
        storage.forgetBeforeOffsets(engineName());
        ChangeWriter w = writer;
        if (w != null) {
            storage.io(w::flush); // whatever an engine that failed before its last offset commit appended
        }
    }

    void failedToStart(String message) {
        state = ConnectorState.FAILED;
        error = message;
    }

    ConnectorState state() {
        return state;
    }

    ConnectorStatus status() {
        ChangeWriter w = writer;
        Map<String, Long> topics = new TreeMap<>();
        long captured = 0;
        long dups = 0;
        Long lagMs = null;
        Long lastChangeAt = null;
        String capturedPos = null;
        Long capturedBytes = null;
        if (w != null) {
            w.perTopic.forEach((t, n) -> topics.put(t, n.get()));
            captured = w.captured.get();
            dups = w.duplicates.get();
            if (w.lastSourceMs > 0) {
                lagMs = Math.max(0, w.lastCaptureMs - w.lastSourceMs);
                lastChangeAt = w.lastSourceMs;
            }
            Map<String, ?> off = w.lastOffset;
            if (config.kind() == ConnectorKind.POSTGRES && off.get("lsn") instanceof Number n) {
                capturedBytes = n.longValue();
                capturedPos = lsn(capturedBytes);
            } else if (off.get("file") != null) {
                capturedPos = off.get("file") + ":" + off.get("pos");
            }
        }
        Object[] src = state.running() ? sourcePosition() : null;
        Long lagBytes = null;
        if (src != null && capturedBytes != null && (Long) src[1] >= 0) {
            lagBytes = Math.max(0, (Long) src[1] - capturedBytes);
        }
        return new ConnectorStatus(definition.name(), config.kind(), state, error, snapshot(w), captured, dups,
                src == null ? null : (String) src[0], capturedPos, lagBytes, lagMs, lastChangeAt, topics,
                masked(definition.config()));
    }

    /** The configuration as shown: secrets (any property whose name mentions a password) masked. */
    static Map<String, String> masked(Map<String, String> config) {
        Map<String, String> out = new TreeMap<>();
        config.forEach((k, v) -> out.put(k, k.toLowerCase(java.util.Locale.ROOT).contains("password") ? "********" : v));
        return out;
    }

    private Object[] sourcePosition() {
        long now = System.currentTimeMillis();
        if (now - sourcePositionAt > 1000) {
            try {
                sourcePosition = source.currentPosition();
            } catch (Exception ex) {
                sourcePosition = null;
            }
            sourcePositionAt = now;
        }
        return sourcePosition;
    }

    /** Counts the snapshot's rows on a thread of its own: a count(*) of a big table must not hold up a status call. */
    private void countRowsInBackground(String[] tables) {
        counting = true;
        Thread t = threads.newThread(() -> {
            try {
                long sum = 0;
                for (String table : tables) {
                    sum += source.countRows(table);
                }
                rowsTotal = sum;
            } catch (Exception ex) {
                log.info("Could not count the rows of {}'s snapshot: {}", definition.name(), ex.toString());
            }
        });
        t.setName("cairn-cdc-count-" + definition.name());
        t.start();
    }

    static String lsn(long v) {
        return Long.toHexString(v >>> 32).toUpperCase() + "/" + Long.toHexString(v & 0xffffffffL).toUpperCase();
    }

    /** From Debezium's snapshot MBean (tables), Cairn's counts (rows done) and a count(*) per table (rows total). */
    private ConnectorStatus.SnapshotProgress snapshot(ChangeWriter w) {
        long rowsDone = w == null ? 0 : w.snapshotRows.get();
        try {
            MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
            var names = mbs.queryNames(new ObjectName("debezium." + (config.kind() == ConnectorKind.POSTGRES
                    ? "postgres" : "mariadb") + ":type=connector-metrics,context=snapshot,server="
                    + config.prefix() + ",*"), null);
            if (names.isEmpty()) {
                return new ConnectorStatus.SnapshotProgress(false, false, null, null, rowsDone, rowsTotal);
            }
            ObjectName n = names.iterator().next();
            boolean running = (Boolean) mbs.getAttribute(n, "SnapshotRunning");
            boolean completed = (Boolean) mbs.getAttribute(n, "SnapshotCompleted");
            int total = ((Number) mbs.getAttribute(n, "TotalTableCount")).intValue();
            int remaining = ((Number) mbs.getAttribute(n, "RemainingTableCount")).intValue();
            if (running && rowsTotal == null && !counting) {
                countRowsInBackground((String[]) mbs.getAttribute(n, "CapturedTables"));
            }
            return new ConnectorStatus.SnapshotProgress(running, completed, total, total - remaining, rowsDone,
                    rowsTotal);
        } catch (Exception ex) {
            return new ConnectorStatus.SnapshotProgress(false, false, null, null, rowsDone, rowsTotal);
        }
    }
}
