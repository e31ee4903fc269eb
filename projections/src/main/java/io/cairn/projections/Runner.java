package io.cairn.projections;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.log.LogEngine;
import io.cairn.log.LogException;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;

/**
 * Applies one generation of one projection: {@link ProjectionConfig#workers()} threads, each owning the partitions
 * dealt to it (index modulo the worker count, over the projection's topics' partitions in name order; re-dealt every
 * {@link #ASSIGN_EVERY_NANOS} so topics created later are picked up).
 *
 * <p>Per partition a worker claims the offsets row (bumping its fencing epoch), then loops: read up to
 * {@code batchSize} events past its position; if fewer and the oldest waited less than {@code maxDelay}, wait for
 * more; else apply them and write the next offset in one transaction. Order is the partition's; partitions run in
 * parallel across workers. Back-pressure: a worker reads the next batch only after the previous one committed, so a
 * slow database slows reading (batches then fill up to {@code batchSize}) and memory stays bounded by one batch per
 * partition.
 *
 * <p>Failures: a transient database failure (connection lost, shutdown, deadlock) retries after a growing pause,
 * on a fresh connection, from the committed offset read again from the database: a commit whose answer was lost
 * may have happened, and then the batch must not be applied twice. Any other failure is taken as a poison event somewhere in the batch: the
 * events are then applied one per transaction, each up to {@code retries} times; one that still fails goes to the
 * dead-letter topic and the partition moves past it ({@code CONTINUE}) or stops ({@code STOP}). A fenced worker
 * (its partition taken over) drops the partition.
 *
 * <p>Thread-safety: the status methods may be called from any thread; each slot is mutated by its worker only.
 */
final class Runner {
    private static final Logger log = LoggerFactory.getLogger(Runner.class);
    private static final long ASSIGN_EVERY_NANOS = 2_000_000_000L;
    private static final long MAX_BACKOFF_MS = 5_000;

    /** Per partition: its claim and progress. */
    static final class Slot {
        final String topic;
        final int partition;
        final PartitionLog log;
        long epoch;
        volatile long next = -1;
        volatile long end;
        volatile boolean stopped;
        boolean claimed;
        final List<ProjectionEvent> pending = new ArrayList<>();
        long readPosition;
        long pendingSince;
        volatile long backoffUntil; // other workers end it early once the database answers again
        long backoffMs;
        /** The last step failed (not for an event's sake) and is retried: transiently (the database) or not. */
        volatile boolean failing;
        volatile boolean failingTransiently;
        LongConsumer listener;

        Slot(PartitionLog log) {
            this.topic = log.topic();
            this.partition = log.partition();
            this.log = log;
        }

        String id() {
            return topic + "-" + partition;
        }
    }

    private final Projection projection;
    final int generation;
    final String schema;
    private final Applier applier;
    private final ProjectionConfig config;
    private final LogEngine engine;
    private final DataSource ds;
    private final MetaStore meta;
    private final DeadLetters deadLetters;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicLong applied = new AtomicLong();
    private final Rate rate = new Rate();
    private volatile boolean running;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    /** When a partition of this runner first failed in the current streak of failures (0: none failing). */
    private volatile long failingSince;

    Runner(Projection projection, int generation, String schema, Applier applier, ProjectionConfig config,
           LogEngine engine, DataSource ds, MetaStore meta, DeadLetters deadLetters) {
        this.projection = projection;
        this.generation = generation;
        this.schema = schema;
        this.applier = applier;
        this.config = config;
        this.engine = engine;
        this.ds = ds;
        this.meta = meta;
        this.deadLetters = deadLetters;
    }

    synchronized void start() {
        running = true;
        for (int i = 0; i < config.workers(); i++) {
            Worker w = new Worker(i);
            Thread t = config.threadFactory().newThread(w);
            w.thread = t;
            threads.add(t);
            t.start();
        }
    }

    /** Stops the workers after their current batch; waits for them (at most {@code waitMillis}). */
    synchronized void stop(long waitMillis) {
        running = false;
        threads.forEach(LockSupport::unpark);
        long deadline = System.currentTimeMillis() + waitMillis;
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, deadline - System.currentTimeMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                log.warn("Projection {} worker {} did not stop in time", projection.name(), t.getName());
            }
        }
        threads.clear();
    }

    boolean running() {
        return running;
    }

    long applied() {
        return applied.get();
    }

    double eventsPerSecond() {
        return rate.perSecond(System.nanoTime(), applied.get());
    }

    String lastError() {
        return lastError;
    }

    Instant lastErrorAt() {
        return lastErrorAt;
    }

    boolean anyStopped() {
        return slots.values().stream().anyMatch(s -> s.stopped);
    }

    /** True while a partition waits for the database to come back (a transient failure, retried with backoff). */
    boolean waitingForDatabase() {
        return slots.values().stream().anyMatch(s -> s.failing && s.failingTransiently && !s.stopped);
    }

    /** True while a partition retries after a failure that is neither transient nor an event's. */
    boolean retrying() {
        return slots.values().stream().anyMatch(s -> s.failing && !s.stopped);
    }

    /** Per partition of the projection's topics: position and lag (positions from the database before a claim). */
    List<ProjectionStatus.PartitionStatus> partitions() {
        List<ProjectionStatus.PartitionStatus> out = new ArrayList<>();
        for (PartitionLog p : partitionLogs()) {
            Slot s = slots.get(p.topic() + "-" + p.partition());
            long end = p.highWatermark();
            long next = s == null || s.next < 0 ? p.logStartOffset() : s.next;
            out.add(new ProjectionStatus.PartitionStatus(p.topic(), p.partition(), next, end, Math.max(0, end - next),
                    s != null && s.stopped));
        }
        return out;
    }

    /** True once every partition is claimed and at most {@code slack} events behind its high watermark. */
    boolean caughtUp(long slack) {
        List<PartitionLog> logs = partitionLogs();
        for (PartitionLog p : logs) {
            Slot s = slots.get(p.topic() + "-" + p.partition());
            if (s == null || !s.claimed || p.highWatermark() - s.next > slack) {
                return false;
            }
        }
        return true;
    }

    /** True once every partition's committed position is at least the given one ("topic-partition" → offset). */
    boolean reached(Map<String, Long> targets) {
        for (Map.Entry<String, Long> t : targets.entrySet()) {
            Slot s = slots.get(t.getKey());
            if (t.getValue() > 0 && (s == null || s.next < t.getValue())) {
                return false;
            }
        }
        return true;
    }

    List<PartitionLog> partitionLogs() {
        List<PartitionLog> out = new ArrayList<>();
        for (String name : projection.topics()) {
            Optional<Topic> t = engine.topic(name);
            t.ifPresent(topic -> out.addAll(topic.partitions()));
        }
        out.sort(Comparator.comparing(PartitionLog::topic).thenComparingInt(PartitionLog::partition));
        return out;
    }

    private void error(String what, Throwable t) {
        lastError = what + ": " + t;
        lastErrorAt = Instant.now();
    }

    /** One worker thread: the partitions dealt to it, round robin. */
    private final class Worker implements Runnable {
        private final int index;
        private final List<Slot> mine = new ArrayList<>();
        private long assignedAt;
        volatile Thread thread;

        Worker(int index) {
            this.index = index;
        }

        @Override
        public void run() {
            try {
                while (running) {
                    if (System.nanoTime() - assignedAt > ASSIGN_EVERY_NANOS || assignedAt == 0) {
                        assign();
                    }
                    boolean worked = false;
                    long now = System.nanoTime();
                    long wait = config.maxDelay().toNanos() > 0 ? config.maxDelay().toNanos() : 1_000_000L;
                    wait = Math.min(Math.max(wait, 1_000_000L), 100_000_000L);
                    for (Slot s : mine) {
                        if (!running) {
                            break;
                        }
                        if (s.stopped || now < s.backoffUntil) {
                            continue;
                        }
                        boolean wasFailing = s.failing;
                        try {
                            worked |= step(s);
                            s.backoffMs = 0;
                            if (wasFailing) {
                                recovered(s);
                            }
                        } catch (FencedException f) {
                            log.warn("Projection {} lost {}: {}", projection.name(), s.id(), f.getMessage());
                            error("fenced", f);
                            s.stopped = true;
                            s.failing = false;
                        } catch (SQLException | RuntimeException e) {
                            // The outcome of the failed transaction may be unknown (a connection lost while its
                            // COMMIT was on the way could have committed): take the partition again, which reads
                            // the committed offset, the only truth, before anything else is applied.
                            s.claimed = false;
                            s.backoffMs = s.backoffMs == 0 ? config.retryBackoff().toMillis()
                                    : Math.min(MAX_BACKOFF_MS, s.backoffMs * 2);
                            s.backoffUntil = System.nanoTime() + s.backoffMs * 1_000_000L;
                            error(s.id(), e);
                            failed(s, e);
                        }
                    }
                    if (!worked && running) {
                        LockSupport.parkNanos(this, wait);
                    }
                }
            } finally {
                for (Slot s : mine) {
                    unlisten(s);
                }
            }
        }

        /**
         * Logs a failure streak clearly but once: the first failure of a partition at WARN (saying whether the
         * database is away), the retries after it at DEBUG.
         */
        private void failed(Slot s, Exception e) {
            boolean transientFailure = Sql.isTransient(e);
            if (!s.failing) {
                if (failingSince == 0) {
                    failingSince = System.nanoTime();
                }
                if (transientFailure) {
                    log.warn("Projection {} {}: the database is unavailable ({}); waiting, retrying every {} ms doubling "
                            + "up to {} ms", projection.name(), s.id(), e, s.backoffMs, MAX_BACKOFF_MS);
                } else {
                    log.warn("Projection {} {}: {} (retrying in {} ms, doubling up to {} ms)", projection.name(), s.id(),
                            e, s.backoffMs, MAX_BACKOFF_MS, e);
                }
            } else {
                log.debug("Projection {} {}: still failing: {} (retrying in {} ms)", projection.name(), s.id(), e,
                        s.backoffMs);
            }
            s.failingTransiently = transientFailure;
            s.failing = true;
        }

        private void recovered(Slot s) {
            s.failing = false; // cleared by the claim already, unless the failure came after it
            // The database answers again: partitions backing off after a transient failure retry now, not up to
            // MAX_BACKOFF_MS later (their workers are woken up).
            for (Slot o : slots.values()) {
                if (o.failing && o.failingTransiently) {
                    o.backoffUntil = 0;
                }
            }
            threads.forEach(LockSupport::unpark);
            long since = failingSince;
            if (since != 0 && slots.values().stream().noneMatch(o -> o.failing)) {
                failingSince = 0;
                log.info("Projection {}: the database is back after {} ms; continuing from the committed offsets",
                        projection.name(), (System.nanoTime() - since) / 1_000_000);
            } else {
                log.debug("Projection {} {}: recovered, continuing at offset {}", projection.name(), s.id(), s.next);
            }
        }

        private void assign() {
            assignedAt = System.nanoTime();
            List<PartitionLog> all = partitionLogs();
            List<String> wanted = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                if (i % config.workers() == index) {
                    PartitionLog p = all.get(i);
                    String id = p.topic() + "-" + p.partition();
                    wanted.add(id);
                    if (mine.stream().noneMatch(s -> s.id().equals(id))) {
                        Slot s = new Slot(p);
                        s.listener = endOffset -> LockSupport.unpark(thread);
                        p.addAppendListener(s.listener);
                        mine.add(s);
                        slots.put(id, s);
                    }
                }
            }
            mine.removeIf(s -> {
                if (wanted.contains(s.id())) {
                    return false;
                }
                unlisten(s);
                slots.remove(s.id());
                return true;
            });
        }

        private void unlisten(Slot s) {
            if (s.listener != null) {
                s.log.removeAppendListener(s.listener);
            }
        }

        /** One round for a partition; true when it applied something. */
        private boolean step(Slot s) throws SQLException {
            if (!s.claimed) {
                claim(s);
            }
            s.end = s.log.highWatermark();
            if (s.next > s.log.logEndOffset()) {
                // The stored position is past the end of the log: the topic was deleted and created again, or
                // the log lost its tail. Going on would skip the new events silently; applying from the start
                // would double what the tables hold. Only a reset or a rebuild can tell.
                s.stopped = true;
                error(s.id(), new IllegalStateException("the stored offset " + s.next + " is past the log end "
                        + s.log.logEndOffset() + ": the topic was created again or the log's files deleted (a"
                        + " `mvn clean` of the quick start does that) while the database kept this position; reset"
                        + " the projection (REST: POST /api/projections/" + projection.name() + "/reset) or rebuild"
                        + " it into fresh tables (POST .../rebuild) to apply the log from its start"));
                log.error("Projection {} {}: {}", projection.name(), s.id(), lastError);
                return false;
            }
            if (s.pending.size() < config.batchSize() && s.readPosition < s.end) {
                if (s.readPosition < s.log.logStartOffset()) {
                    error(s.id(), new IllegalStateException("events " + s.readPosition + ".." + s.log.logStartOffset()
                            + " were deleted by retention before they were applied"));
                    s.readPosition = s.log.logStartOffset();
                }
                try {
                    s.readPosition = PartitionReader.read(s.log, s.readPosition, config.batchSize(), s.pending);
                } catch (LogException.OffsetOutOfRangeException e) {
                    s.readPosition = s.log.logStartOffset();
                    return false;
                }
            }
            if (s.pending.isEmpty()) {
                if (s.readPosition > s.next) {
                    commitOffsetOnly(s, s.readPosition); // only control records were read
                }
                return false;
            }
            long now = System.nanoTime();
            if (s.pending.size() < config.batchSize()) {
                if (s.pendingSince == 0) {
                    s.pendingSince = now;
                }
                if (now - s.pendingSince < config.maxDelay().toNanos()) {
                    return false;
                }
            }
            List<ProjectionEvent> batch = List.copyOf(s.pending);
            applyBatch(s, batch);
            return true;
        }

        private void claim(Slot s) throws SQLException {
            try (Connection c = ds.getConnection()) {
                MetaStore.Claim cl = meta.claim(c, projection.name(), generation, s.topic, s.partition);
                s.epoch = cl.epoch();
                s.next = cl.nextOffset() < 0 ? s.log.logStartOffset() : cl.nextOffset();
                s.readPosition = s.next;
                s.pending.clear();
                s.claimed = true;
                s.failing = false; // the database answers: status RUNNING before anything is applied (and visible)
            }
        }

        private void applyBatch(Slot s, List<ProjectionEvent> batch) throws SQLException {
            long next = Math.max(s.readPosition, batch.get(batch.size() - 1).offset() + 1);
            try {
                applier.apply(batch, schema, c -> meta.commit(c, projection.name(), generation, s.topic, s.partition, s.epoch, s.next, next));
                done(s, batch.size(), next);
            } catch (FencedException f) {
                throw f;
            } catch (SQLException | RuntimeException e) {
                if (Sql.isTransient(e)) {
                    throw e;
                }
                error(s.id() + " batch", e);
                oneByOne(s, batch);
            }
        }

        /** After a batch failed for its events: each on its own, up to {@code retries} times, poison to dead letters. */
        private void oneByOne(Slot s, List<ProjectionEvent> batch) throws SQLException {
            for (ProjectionEvent e : batch) {
                if (e.offset() < s.next) {
                    continue; // applied before a transient failure interrupted this loop
                }
                long next = e.offset() + 1;
                Exception last = null;
                int attempts = 0;
                while (attempts < config.retries()) {
                    attempts++;
                    try {
                        applier.apply(List.of(e), schema, c -> meta.commit(c, projection.name(), generation, s.topic,
                                s.partition, s.epoch, s.next, next));
                        last = null;
                        break;
                    } catch (FencedException f) {
                        throw f;
                    } catch (SQLException | RuntimeException ex) {
                        if (Sql.isTransient(ex)) {
                            throw ex;
                        }
                        last = ex;
                    }
                }
                if (last == null) {
                    done(s, 1, next);
                    continue;
                }
                poison(s, e, last, attempts);
                if (s.stopped) {
                    return;
                }
            }
            if (s.readPosition > s.next) {
                commitOffsetOnly(s, s.readPosition);
            }
        }

        private void poison(Slot s, ProjectionEvent e, Exception error, int attempts) throws SQLException {
            long dlq = deadLetters.send(projection.name(), e, error, attempts);
            error("poison event " + e + " (dead letter " + dlq + ")", error);
            log.warn("Projection {}: event {} failed {} times, dead letter {} in {}: {}", projection.name(), e,
                    attempts, dlq, deadLetters.topic(), error.toString());
            if (config.onPoison() == ProjectionConfig.PoisonPolicy.STOP) {
                s.stopped = true;
                s.pending.removeIf(p -> p.offset() >= e.offset());
                s.readPosition = s.next;
                return;
            }
            commitOffsetOnly(s, e.offset() + 1);
        }

        private void commitOffsetOnly(Slot s, long next) throws SQLException {
            Sql.inTransaction(ds, c -> {
                meta.commit(c, projection.name(), generation, s.topic, s.partition, s.epoch, s.next, next);
                return null;
            });
            s.next = next;
            s.pending.removeIf(p -> p.offset() < next);
        }

        private void done(Slot s, int events, long next) {
            s.next = next;
            s.pending.removeIf(p -> p.offset() < next);
            s.pendingSince = s.pending.isEmpty() ? 0 : System.nanoTime();
            rate.record(System.nanoTime(), applied.addAndGet(events));
        }
    }
}
