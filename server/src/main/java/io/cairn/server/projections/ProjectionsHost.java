package io.cairn.server.projections;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.projections.Projection;
import io.cairn.projections.ProjectionRuntime;
import io.cairn.projections.ProjectionStatus;
import io.cairn.projections.bank.BankProjections;
import io.cairn.server.EngineOpened;
import io.cairn.server.db.Platform;

/**
 * Runs the projections inside the application, on the platform database ({@code @Platform DataSource}): once the log
 * engine is open it builds a {@link ProjectionRuntime} whose workers are Liberty's managed threads, registers the
 * example bank's read models (unless {@code cairn.projections.bank=false}) and every CDI bean implementing
 * {@link Projection}, and starts it on the managed executor; a start that fails (the database is not there yet) is
 * tried again every {@link #RETRY_SECONDS} seconds. It closes the runtime before the application's beans are
 * destroyed, so no worker outlives the engine it reads.
 *
 * <p>States: WAITING (for the engine) → STARTING → RUNNING, or DISABLED, or FAILED (bad settings) → CLOSED. A start
 * waits for an unreachable database inside {@link ProjectionRuntime#start()} (with backoff), and each projection's
 * own status says {@code WAITING_FOR_DATABASE} meanwhile, and again whenever the database goes away later;
 * {@link #detail()} names them.
 */
@ApplicationScoped
public class ProjectionsHost {
    private static final Logger log = LoggerFactory.getLogger(ProjectionsHost.class);
    static final long RETRY_SECONDS = 5;

    public enum State { WAITING, STARTING, RUNNING, DISABLED, FAILED, CLOSED }

    @Inject
    Config config;

    @Inject
    @Platform
    DataSource dataSource;

    @Inject
    Instance<Projection> beans;

    @Resource(lookup = "java:comp/DefaultManagedExecutorService")
    ManagedExecutorService executor;

    @Resource(lookup = "java:comp/DefaultManagedThreadFactory")
    ManagedThreadFactory threadFactory;

    private volatile State state = State.WAITING;
    private volatile String detail = "waiting for the log engine";
    private volatile ProjectionRuntime runtime;

    void onEngineOpened(@Observes EngineOpened opened) {
        ProjectionSettings s;
        try {
            s = ProjectionSettings.from(config);
            if (!s.enabled()) {
                state = State.DISABLED;
                detail = "cairn.projections.enabled=false";
                return;
            }
            ProjectionRuntime rt = new ProjectionRuntime(opened.engine(), dataSource, s.config(threadFactory));
            List<Projection> all = new ArrayList<>();
            if (s.bank()) {
                all.addAll(BankProjections.all());
            }
            beans.forEach(all::add);
            for (Projection p : all) {
                rt.register(p);
            }
            synchronized (this) {
                if (state == State.CLOSED) {
                    rt.close();
                    return;
                }
                runtime = rt;
                state = State.STARTING;
                detail = "starting " + rt.names();
            }
        } catch (Exception e) {
            state = State.FAILED;
            detail = "invalid projections: " + e.getMessage();
            log.error("Projections cannot run: {}", e.getMessage(), e);
            return;
        }
        executor.execute(this::start);
    }

    private void start() {
        ProjectionRuntime rt = runtime;
        while (state == State.STARTING) {
            try {
                rt.start();
                state = State.RUNNING;
                detail = "running " + rt.names();
                log.info("Projections running: {} (views in schema {})", rt.names(), rt.config().readSchema());
                return;
            } catch (Exception e) {
                if (state != State.STARTING) {
                    return; // closed while starting (close() also ends a start() waiting for the database)
                }
                detail = "starting, the database is not ready: " + e.getMessage();
                log.warn("Projections could not start (retrying in {} s): {}", RETRY_SECONDS, e.toString());
                try {
                    TimeUnit.SECONDS.sleep(RETRY_SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Before any application-scoped bean (the engine's holder among them) is destroyed. */
    void onApplicationStop(@Observes @BeforeDestroyed(ApplicationScoped.class) Object ignored) {
        ProjectionRuntime rt;
        synchronized (this) {
            state = State.CLOSED;
            detail = "closed";
            rt = runtime;
        }
        if (rt != null) {
            rt.close();
        }
    }

    public State state() {
        return state;
    }

    /**
     * What the state means now. While starting or running, projections that wait for the database (it is down, or
     * went away: they retry with backoff) are named with the reason, so the overview says so in one line.
     */
    public String detail() {
        String d = detail;
        ProjectionRuntime rt = runtime;
        State s = state;
        if (rt == null || (s != State.STARTING && s != State.RUNNING)) {
            return d;
        }
        List<ProjectionStatus> waiting = rt.status().stream()
                .filter(p -> ProjectionStatus.WAITING_FOR_DATABASE.equals(p.state())).toList();
        if (waiting.isEmpty()) {
            return d;
        }
        return d + "; waiting for the database: " + waiting.stream().map(ProjectionStatus::name).toList()
                + (waiting.get(0).lastError() == null ? "" : " (" + waiting.get(0).lastError() + ")");
    }

    /** The runtime once registered (it may still be starting), else null. */
    public ProjectionRuntime runtime() {
        return runtime;
    }
}
