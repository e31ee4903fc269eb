package io.cairn.sdk.saga;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Deadlines that survive a restart: each one is persisted in a {@link DeadlineStore} when scheduled, and marked
 * cancelled or fired afterwards; {@link #start()} reloads the scheduled ones and arms them again, so a deadline that
 * fell due while the runtime was down fires right after it comes back.
 *
 * <p>Firing hands the deadline to the {@link Target} registered for its saga type (a {@link SagaManager}), on this
 * manager's single scheduler thread. A target that throws gets the deadline again after a back-off (1 s doubling to
 * 60 s); a deadline whose type has no target yet waits for one. Firing is at least once (a crash between the handler
 * and the FIRED mark repeats it); the saga manager makes it exactly once for the saga's state by keeping the ids of
 * its pending deadlines in the saga (see docs/domain-runtime.md). Thread-safe.
 */
public final class DeadlineManager implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DeadlineManager.class.getName());
    private static final long RETRY_MIN_MS = 1_000;
    private static final long RETRY_MAX_MS = 60_000;

    /** Receives due deadlines of one saga type. */
    public interface Target {
        void onDeadline(DeadlineEntry deadline) throws Exception;
    }

    private final DeadlineStore store;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;   // null: fired only by fireDue() (test fixture)
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Map<String, DeadlineEntry> scheduled = new ConcurrentHashMap<>();
    private final Map<String, ScheduledFuture<?>> armed = new ConcurrentHashMap<>();
    private volatile boolean started;
    private volatile boolean closed;

    /** A manager firing on its own scheduler thread from {@code threadFactory}. */
    public DeadlineManager(DeadlineStore store, Clock clock, ThreadFactory threadFactory) {
        this(store, clock, newScheduler(threadFactory));
    }

    /** A manager that fires only when {@link #fireDue()} is called (for fixtures driving a clock by hand). */
    DeadlineManager(DeadlineStore store, Clock clock, ScheduledExecutorService scheduler) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = scheduler;
    }

    private static ScheduledExecutorService newScheduler(ThreadFactory threadFactory) {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = threadFactory.newThread(r);
            t.setName("cairn-deadlines");
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return s;
    }

    public Clock clock() {
        return clock;
    }

    /** Deadlines of {@code sagaType} go to {@code target} from now on. */
    public void register(String sagaType, Target target) {
        targets.put(sagaType, target);
    }

    /** Loads the scheduled deadlines from the store and arms them (due ones fire at once). */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("deadline manager already started");
        }
        for (DeadlineEntry d : store.loadScheduled()) {
            scheduled.put(d.deadlineId(), d);
            arm(d, delayUntil(d.dueEpochMillis()));
        }
        started = true;
    }

    /** Persists a new deadline and arms it. */
    public DeadlineEntry schedule(String sagaType, String sagaId, String name, Instant due, String payloadType,
                                  com.fasterxml.jackson.databind.JsonNode payload) {
        if (closed) {
            throw new IllegalStateException("deadline manager is closed");
        }
        DeadlineEntry d = new DeadlineEntry(UUID.randomUUID().toString(), sagaType, sagaId, name, due.toEpochMilli(),
                payloadType, payload, DeadlineEntry.Status.SCHEDULED);
        store.save(d);
        scheduled.put(d.deadlineId(), d);
        if (started) {
            arm(d, delayUntil(d.dueEpochMillis()));
        }
        return d;
    }

    /** Cancels a scheduled deadline (persisted); unknown or already fired ones are ignored. */
    public void cancel(String deadlineId) {
        DeadlineEntry d = scheduled.remove(deadlineId);
        ScheduledFuture<?> f = armed.remove(deadlineId);
        if (f != null) {
            f.cancel(false);
        }
        if (d != null) {
            store.save(d.withStatus(DeadlineEntry.Status.CANCELLED));
        }
    }

    /** Deadlines scheduled and not yet fired or cancelled, earliest first. */
    public List<DeadlineEntry> scheduled() {
        List<DeadlineEntry> list = new ArrayList<>(scheduled.values());
        list.sort(Comparator.comparingLong(DeadlineEntry::dueEpochMillis));
        return list;
    }

    /** Fires, on the calling thread, every deadline due by the clock; returns how many fired. */
    int fireDue() {
        int fired = 0;
        for (DeadlineEntry d : scheduled()) {
            if (d.dueEpochMillis() <= clock.millis() && fire(d.deadlineId())) {
                fired++;
            }
        }
        return fired;
    }

    @Override
    public void close() {
        closed = true;
        if (scheduler != null) {
            // shutdown, not shutdownNow: an interrupt in the middle of a handler's append would close the log's
            // file channels. Delayed tasks are dropped; one running finishes first.
            scheduler.shutdown();
            try {
                scheduler.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        armed.clear();
    }

    private void arm(DeadlineEntry d, long delayMs) {
        if (scheduler == null || closed) {
            return;
        }
        armed.put(d.deadlineId(), scheduler.schedule(() -> fireWithRetry(d.deadlineId(), RETRY_MIN_MS),
                delayMs, TimeUnit.MILLISECONDS));
    }

    private void fireWithRetry(String id, long backoff) {
        armed.remove(id);
        try {
            if (!fire(id) && scheduled.containsKey(id)) {
                rearm(id, backoff);
            }
        } catch (Exception e) {
            LOG.log(Level.WARNING, "deadline " + id + " failed; retrying in " + backoff + " ms", e);
            rearm(id, backoff);
        }
    }

    private void rearm(String id, long backoff) {
        if (scheduler != null && !closed && scheduled.containsKey(id)) {
            armed.put(id, scheduler.schedule(() -> fireWithRetry(id, Math.min(backoff * 2, RETRY_MAX_MS)),
                    backoff, TimeUnit.MILLISECONDS));
        }
    }

    /** Hands the deadline to its target; true when it was handled (then marked FIRED), false without a target. */
    private boolean fire(String id) {
        DeadlineEntry d = scheduled.get(id);
        if (d == null) {
            return false;
        }
        Target target = targets.get(d.sagaType());
        if (target == null) {
            return false;
        }
        try {
            target.onDeadline(d);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("deadline " + d.name() + " (" + id + ") of saga " + d.sagaId() + " failed", e);
        }
        if (scheduled.remove(id) != null) {
            store.save(d.withStatus(DeadlineEntry.Status.FIRED));
        }
        return true;
    }

    private long delayUntil(long epochMillis) {
        return Math.max(0, epochMillis - clock.millis());
    }
}
