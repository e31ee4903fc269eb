package io.cairn.projections;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.log.LogEngine;
import io.cairn.log.PartitionLog;

/**
 * Runs projections against a {@link LogEngine} and a PostgreSQL {@link DataSource}: each registered projection's
 * live generation is applied by a {@link Runner}, exactly once (view rows and offsets commit together, stale workers
 * are fenced). Besides running, it resets, rebuilds (zero downtime: a new generation is built beside the live one,
 * then the readers' views switch in one transaction), lists and replays dead letters, and reports status.
 *
 * <p>Design notes: docs/projections.md. Thread-safety: all methods are safe for concurrent use; structural changes
 * (start, reset, switch) are serialized per runtime by this object's monitor and across runtimes by an advisory lock.
 */
public final class ProjectionRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProjectionRuntime.class);
    private static final long STOP_WAIT_MILLIS = 30_000;

    private final LogEngine engine;
    private final DataSource ds;
    private final ProjectionConfig config;
    private final MetaStore meta;
    private final DeadLetters deadLetters;
    private final Map<String, Managed> projections = new LinkedHashMap<>();
    /** The projections in registration order, for status() without the monitor (start() may hold it long). */
    private volatile List<Managed> registered = List.of();
    private static final long MAX_START_BACKOFF_MS = 5_000;
    private boolean started;
    private boolean schemaReady;
    private volatile boolean closed;
    /** Why {@link #start} is waiting (a transient database failure), or null. */
    private volatile String startError;
    private volatile Instant startErrorAt;

    /** A registered projection: its applier, the live runner, the rebuild in progress (or last one). */
    private static final class Managed {
        final Projection projection;
        final Applier applier;
        volatile Runner live;
        volatile Rebuild rebuild;

        Managed(Projection projection, Applier applier) {
            this.projection = projection;
            this.applier = applier;
        }
    }

    public ProjectionRuntime(LogEngine engine, DataSource ds, ProjectionConfig config) {
        this.engine = engine;
        this.ds = ds;
        this.config = config;
        this.meta = new MetaStore(config.metaSchema());
        this.deadLetters = new DeadLetters(engine, config.deadLetterTopic());
    }

    public ProjectionConfig config() {
        return config;
    }

    /**
     * Adds a projection; once the runtime has started it starts at once (if that fails, the projection is not
     * registered and the exception is thrown).
     */
    public synchronized void register(Projection p) throws SQLException {
        Sql.checkName("projection name", p.name(), 40);
        if (projections.containsKey(p.name())) {
            throw new ProjectionException(ProjectionException.Reason.CONFLICT, "A projection named " + p.name() + " is registered already");
        }
        if (p.topics().isEmpty() || p.tables().isEmpty()) {
            throw new ProjectionException(ProjectionException.Reason.INVALID, p.name() + " needs at least one topic and one table");
        }
        Managed m = new Managed(p, Applier.of(p, ds));
        projections.put(p.name(), m);
        registered = List.copyOf(projections.values());
        if (started && startError == null) { // else the waiting start() starts it with the others
            try {
                startLive(m);
            } catch (SQLException | RuntimeException e) {
                projections.remove(p.name());
                registered = List.copyOf(projections.values());
                m.applier.close();
                throw e;
            }
        }
    }

    /**
     * Creates the meta schema when missing and starts every registered projection. While the database is
     * unreachable (a transient failure: {@link Sql#isTransient}) it waits and tries again, 200 ms doubling up to 5 s
     * ({@link ProjectionConfig#retryBackoff()}), logging the first failure and the recovery; meanwhile the projections
     * not started yet report {@code WAITING_FOR_DATABASE} with the error. Any other failure is thrown. Projections
     * that started before a failure are not started twice. A {@link #close} ends the wait (with a
     * {@link ProjectionException}).
     */
    public void start() throws SQLException {
        long backoff = Math.max(1, config.retryBackoff().toMillis());
        long since = 0;
        synchronized (this) {
            while (true) {
                ensureOpen();
                try {
                    if (!schemaReady) {
                        Sql.inTransaction(ds, c -> {
                            meta.ensureSchema(c);
                            return null;
                        });
                        schemaReady = true;
                    }
                    started = true;
                    for (Managed m : projections.values()) {
                        if (m.live == null) {
                            startLive(m);
                        }
                    }
                    if (startError != null) {
                        log.info("Projections: the database is back after {} ms, started {}",
                                (System.nanoTime() - since) / 1_000_000, names());
                    }
                    startError = null;
                    startErrorAt = null;
                    return;
                } catch (SQLException | RuntimeException e) {
                    if (!Sql.isTransient(e)) {
                        throw e;
                    }
                    if (startError == null) {
                        since = System.nanoTime();
                        log.warn("Projections cannot start, the database is unavailable (waiting, retrying with backoff "
                                + "up to {} ms): {}", MAX_START_BACKOFF_MS, e.toString());
                    } else {
                        log.debug("Projections still cannot start: {}", e.toString());
                    }
                    startError = "waiting for the database: " + e;
                    startErrorAt = Instant.now();
                }
                try {
                    wait(backoff); // releases the monitor: status() and close() go on meanwhile
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ProjectionException(ProjectionException.Reason.CONFLICT,
                            "Interrupted while waiting for the database to start the projections", ie);
                }
                backoff = Math.min(MAX_START_BACKOFF_MS, backoff * 2);
            }
        }
    }

    public synchronized List<String> names() {
        return new ArrayList<>(projections.keySet());
    }

    /** Prepares the live generation (a new projection gets generation 1) and starts applying it. */
    private void startLive(Managed m) throws SQLException {
        Projection p = m.projection;
        int gen = inTransaction(c -> {
            int g = meta.generation(c, p.name());
            Map<Integer, String> schemas = meta.generationSchemas(c, p.name());
            if (g == 0 || !schemas.containsKey(g)) {
                g = Math.max(1, g);
                Generations.create(c, p, meta.generationSchema(p.name(), g));
                meta.deleteOffsets(c, p.name(), g);
                meta.setGeneration(c, p.name(), g);
            }
            Generations.pointViews(c, p, config.readSchema(), meta.generationSchema(p.name(), g));
            for (Map.Entry<Integer, String> left : schemas.entrySet()) {
                if (left.getKey() != g) { // a rebuild interrupted by a stop: it starts over when asked again
                    Generations.drop(c, left.getValue());
                    meta.deleteOffsets(c, p.name(), left.getKey());
                }
            }
            return g;
        });
        Runner r = runner(m, gen);
        m.live = r;
        r.start();
        log.info("Projection {} applies generation {} ({} into {}.{})", p.name(), gen, p.topics(),
                config.readSchema(), p.tables());
    }

    private Runner runner(Managed m, int gen) {
        return new Runner(m.projection, gen, meta.generationSchema(m.projection.name(), gen), m.applier, config,
                engine, ds, meta, deadLetters);
    }

    // ----------------------------------------------------------------------------------------------- operations

    /**
     * Replays a projection from the start, in place: its tables are emptied and its offsets deleted in one
     * transaction, then it applies everything again (readers see the tables fill up; {@link #rebuild} avoids that).
     */
    public synchronized void reset(String name) throws SQLException {
        Managed m = managed(name);
        requireNoRebuild(m);
        Runner old = m.live;
        old.stop(STOP_WAIT_MILLIS);
        inTransaction(c -> {
            Generations.truncate(c, m.projection, old.schema);
            meta.deleteOffsets(c, name, old.generation);
            return null;
        });
        Runner r = runner(m, old.generation);
        m.live = r;
        r.start();
        log.info("Projection {} reset: replaying from the start", name);
    }

    /**
     * Restarts a projection's workers where their offsets stand: partitions stopped at a poison event
     * ({@code onPoison=STOP}) or fenced try again, e.g. once the handler was fixed.
     */
    public synchronized void resume(String name) {
        Managed m = managed(name);
        requireNoRebuild(m);
        Runner old = m.live;
        old.stop(STOP_WAIT_MILLIS);
        Runner r = runner(m, old.generation);
        m.live = r;
        r.start();
        log.info("Projection {} resumed", name);
    }

    /**
     * Starts a zero-downtime rebuild: a new generation is built from the start of the log into new tables while the
     * live one keeps serving; once it has caught up, the live one stops, the new one reaches exactly its offsets, and
     * the views switch to it in one transaction; the old generation is then dropped.
     */
    public synchronized ProjectionStatus.RebuildProgress rebuild(String name) throws SQLException {
        Managed m = managed(name);
        requireNoRebuild(m);
        int gen = inTransaction(c -> {
            int g = Math.max(meta.generation(c, name), meta.generationSchemas(c, name).keySet().stream()
                    .mapToInt(Integer::intValue).max().orElse(0)) + 1;
            Generations.create(c, m.projection, meta.generationSchema(name, g));
            meta.deleteOffsets(c, name, g);
            return g;
        });
        Runner r = runner(m, gen);
        Map<String, long[]> range = new HashMap<>();
        for (PartitionLog p : r.partitionLogs()) {
            range.put(p.topic() + "-" + p.partition(), new long[] {p.logStartOffset(), p.highWatermark()});
        }
        Rebuild b = new Rebuild(m, r, range);
        m.rebuild = b;
        r.start();
        Thread t = config.threadFactory().newThread(b::run);
        t.start();
        log.info("Projection {}: rebuilding into generation {}", name, gen);
        return b.progress();
    }

    /**
     * Abandons the rebuild in progress (before its switch): its workers stop and its schema is dropped; the live
     * generation serves on. Returns the rebuild's final progress (state FAILED, error "cancelled").
     */
    public ProjectionStatus.RebuildProgress cancelRebuild(String name) throws InterruptedException {
        Managed m = managed(name);
        Rebuild b = m.rebuild;
        if (b == null || !(b.state.equals("BUILDING") || b.state.equals("SWITCHING"))) {
            throw new ProjectionException(ProjectionException.Reason.CONFLICT, "Projection " + name + " is not rebuilding");
        }
        b.cancelled = true;
        b.done.await(STOP_WAIT_MILLIS * 2, java.util.concurrent.TimeUnit.MILLISECONDS);
        return b.progress();
    }

    /** A rebuild's life: BUILDING → SWITCHING → DONE, or FAILED (the live generation keeps or resumes serving). */
    private final class Rebuild {
        final Managed m;
        final Runner runner;
        final Map<String, long[]> range;
        final Instant started = Instant.now();
        volatile String state = "BUILDING";
        volatile Instant finished;
        volatile String error;
        volatile boolean cancelled;
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);

        Rebuild(Managed m, Runner runner, Map<String, long[]> range) {
            this.m = m;
            this.runner = runner;
            this.range = range;
        }

        void run() {
            try {
                while (!runner.caughtUp(config.batchSize())) {
                    if (cancelled || closed) {
                        throw new IllegalStateException(closed ? "cancelled: the runtime closed" : "cancelled");
                    }
                    Thread.sleep(50);
                }
                switchOver();
            } catch (Exception e) {
                fail(e);
            } finally {
                done.countDown();
            }
        }

        private void switchOver() throws Exception {
            state = "SWITCHING";
            Runner old = m.live;
            old.stop(STOP_WAIT_MILLIS);
            Map<String, Long> target = inTransaction(c -> meta.offsets(c, m.projection.name(), old.generation));
            // A live position past its partition's end (the topic was created again, or the log lost its files: the
            // live generation stopped on it) can never be reached; there the new generation needs only what the log
            // holds now, which it has applied once caught up.
            for (PartitionLog p : runner.partitionLogs()) {
                String key = p.topic() + "-" + p.partition();
                Long stored = target.get(key);
                if (stored != null && stored > p.logEndOffset()) {
                    target.put(key, p.highWatermark());
                }
            }
            while (!runner.reached(target)) {
                if (cancelled || closed) {
                    throw new IllegalStateException(closed ? "cancelled: the runtime closed" : "cancelled");
                }
                Thread.sleep(20);
            }
            synchronized (ProjectionRuntime.this) {
                inTransaction(c -> {
                    Generations.pointViews(c, m.projection, config.readSchema(), runner.schema);
                    meta.setGeneration(c, m.projection.name(), runner.generation);
                    return null;
                });
                m.live = runner;
            }
            state = "DONE";
            finished = Instant.now();
            log.info("Projection {}: switched to generation {}", m.projection.name(), runner.generation);
            inTransaction(c -> {
                Generations.drop(c, old.schema);
                meta.deleteOffsets(c, m.projection.name(), old.generation);
                return null;
            });
        }

        private void fail(Exception e) {
            error = e.toString();
            finished = Instant.now();
            state = "FAILED";
            log.warn("Projection {}: rebuild into generation {} failed: {}", m.projection.name(), runner.generation, e.toString());
            synchronized (ProjectionRuntime.this) {
                if (m.live != runner) {
                    runner.stop(STOP_WAIT_MILLIS);
                    if (!m.live.running() && !closed) {
                        Runner again = runner(m, m.live.generation);
                        m.live = again;
                        again.start();
                    }
                    try {
                        inTransaction(c -> {
                            Generations.drop(c, runner.schema);
                            meta.deleteOffsets(c, m.projection.name(), runner.generation);
                            return null;
                        });
                    } catch (SQLException dropFailed) {
                        log.warn("Could not drop {}: {} (dropped at the next start)", runner.schema, dropFailed.toString());
                    }
                }
            }
        }

        ProjectionStatus.RebuildProgress progress() {
            long done = 0;
            long total = 0;
            Map<String, Long> next = new HashMap<>();
            for (ProjectionStatus.PartitionStatus p : runner.partitions()) {
                next.put(p.topic() + "-" + p.partition(), p.nextOffset());
            }
            for (Map.Entry<String, long[]> e : range.entrySet()) {
                long from = e.getValue()[0];
                long to = e.getValue()[1];
                total += to - from;
                done += Math.max(0, Math.min(to, next.getOrDefault(e.getKey(), from)) - from);
            }
            if ("DONE".equals(state)) {
                done = total;
            }
            double rate = "DONE".equals(state) || "FAILED".equals(state) ? 0 : runner.eventsPerSecond();
            long eta = rate > 0 ? (long) Math.ceil((total - done) / rate) : (done >= total ? 0 : -1);
            return new ProjectionStatus.RebuildProgress(runner.generation, state, done, total, rate, eta, started,
                    finished, error);
        }
    }

    // ------------------------------------------------------------------------------------------- dead letters

    /** Dead letters of {@code projection} (null: of all), from dead-letter offset {@code from}, at most {@code limit}. */
    public List<DeadLetter> deadLetters(String projection, long from, int limit) throws SQLException {
        if (limit < 1 || limit > 1000 || from < 0) {
            throw new ProjectionException(ProjectionException.Reason.INVALID, "limit must be 1..1000 and from >= 0");
        }
        HashSet<Long> replayed = new HashSet<>();
        if (projection != null) {
            managed(projection);
            replayed.addAll(meta.replayed(ds, projection));
        } else {
            for (String n : names()) {
                replayed.addAll(meta.replayed(ds, n)); // offsets are unique in the one dead-letter partition
            }
        }
        return deadLetters.list(projection, from, limit, replayed);
    }

    /**
     * Applies a dead letter to the live generation now (after the handler was fixed, say), once: the replay is
     * recorded in the same transaction, and a second replay of the same dead letter is refused.
     */
    public void replay(String projection, long deadLetterOffset) throws SQLException {
        Managed m = managed(projection);
        ProjectionEvent e = deadLetters.original(deadLetterOffset, projection);
        if (e == null) {
            throw new ProjectionException(ProjectionException.Reason.NOT_FOUND, "No dead letter of " + projection
                    + " at offset " + deadLetterOffset + " of " + deadLetters.topic());
        }
        m.applier.apply(List.of(e), m.live.schema, c -> {
            if (!meta.markReplayed(c, projection, deadLetterOffset)) {
                throw new ProjectionException(ProjectionException.Reason.CONFLICT, "Dead letter " + deadLetterOffset
                        + " of " + projection + " was replayed already");
            }
        });
    }

    public String deadLetterTopic() {
        return deadLetters.topic();
    }

    // ------------------------------------------------------------------------------------------------- status

    public List<ProjectionStatus> status() {
        return registered.stream().map(this::status).toList();
    }

    public ProjectionStatus status(String name) {
        return status(managed(name));
    }

    private ProjectionStatus status(Managed m) {
        Runner r = m.live;
        Rebuild b = m.rebuild;
        if (r == null) {
            String waiting = startError;
            String state = closed ? "CLOSED" : waiting != null ? ProjectionStatus.WAITING_FOR_DATABASE : "STARTING";
            return new ProjectionStatus(m.projection.name(), state, 0, 0, 0, 0, waiting,
                    waiting == null ? null : startErrorAt, List.of(), b == null ? null : b.progress());
        }
        List<ProjectionStatus.PartitionStatus> parts = r.partitions();
        long lag = parts.stream().mapToLong(ProjectionStatus.PartitionStatus::lag).sum();
        String state = closed ? "CLOSED" : r.anyStopped() ? "STOPPED"
                : r.waitingForDatabase() ? ProjectionStatus.WAITING_FOR_DATABASE : r.retrying() ? "RETRYING" : "RUNNING";
        return new ProjectionStatus(m.projection.name(), state, r.generation, r.applied(), r.eventsPerSecond(), lag,
                r.lastError(), r.lastErrorAt(), parts, b == null ? null : b.progress());
    }

    public Optional<ProjectionStatus.RebuildProgress> rebuildProgress(String name) {
        Rebuild b = managed(name).rebuild;
        return b == null ? Optional.empty() : Optional.of(b.progress());
    }

    // ---------------------------------------------------------------------------------------------- lifecycle

    /** Stops every worker after its current batch (nothing half-applied: an unfinished batch is rolled back). */
    @Override
    public void close() {
        List<Managed> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(projections.values());
            notifyAll(); // ends a start() waiting for the database
        }
        for (Managed m : all) {
            Rebuild b = m.rebuild;
            if (b != null) {
                b.cancelled = true;
                b.runner.stop(STOP_WAIT_MILLIS);
            }
            if (m.live != null) {
                m.live.stop(STOP_WAIT_MILLIS);
            }
            m.applier.close();
        }
    }

    private synchronized Managed managed(String name) {
        Managed m = projections.get(name);
        if (m == null) {
            throw new ProjectionException(ProjectionException.Reason.NOT_FOUND, "No projection named '" + name + "'");
        }
        if (closed) {
            throw new ProjectionException(ProjectionException.Reason.CONFLICT, "The projection runtime is closed");
        }
        if (m.live == null) {
            throw new ProjectionException(ProjectionException.Reason.CONFLICT, "Projection " + name + " has not started");
        }
        return m;
    }

    private static void requireNoRebuild(Managed m) {
        Rebuild b = m.rebuild;
        if (b != null && (b.state.equals("BUILDING") || b.state.equals("SWITCHING"))) {
            throw new ProjectionException(ProjectionException.Reason.CONFLICT, "Projection " + m.projection.name()
                    + " is rebuilding into generation " + b.runner.generation);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ProjectionException(ProjectionException.Reason.CONFLICT, "The projection runtime is closed");
        }
    }

    /** One transaction holding the meta schema's advisory lock. */
    private <T> T inTransaction(Sql.Work<T> work) throws SQLException {
        return Sql.inTransaction(ds, c -> {
            meta.lock(c);
            return work.run(c);
        });
    }
}
