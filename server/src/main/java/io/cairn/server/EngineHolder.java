package io.cairn.server;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.log.LogEngine;

/**
 * Owns the application's one {@link LogEngine}: opens it when the application starts and closes it (flush and clean
 * shutdown, so the next start skips recovery) when the application stops.
 *
 * <p>Opening runs on Liberty's default managed executor, so a long recovery after a crash does not hold up the
 * application's start: meanwhile the application is live but not ready (see {@link EngineState}), and REST calls get
 * 503 with {@code Retry-After}. When opening fails (a bad setting, a data directory locked by another process) the
 * application stays deployed and reports the reason through health checks and REST errors.
 *
 * <p>Thread-safety: state changes are serialized on {@code lock}; readers see the published state and engine.
 */
@ApplicationScoped
public class EngineHolder {
    private static final Logger log = LoggerFactory.getLogger(EngineHolder.class);
    /** How long stopping the application waits for an open in progress (recovery) before closing anyway. */
    private static final long OPEN_WAIT_SECONDS = 120;

    @Inject
    Config config;

    @Inject
    Event<EngineOpened> opened;

    @Resource(lookup = "java:comp/DefaultManagedExecutorService")
    ManagedExecutorService executor;

    private final Object lock = new Object();
    private volatile EngineState state = EngineState.STARTING;
    private volatile LogEngine engine;
    private volatile Settings settings;
    private volatile String failure;
    private Future<?> opening;

    void onApplicationStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        try {
            settings = Settings.from(config);
        } catch (RuntimeException e) {
            fail("invalid settings: " + e.getMessage(), e);
            return;
        }
        synchronized (lock) {
            opening = executor.submit(this::open);
        }
    }

    private void open() {
        Settings s = settings;
        log.info("Opening the log engine on {}", s.dataDir().toAbsolutePath());
        LogEngine e;
        try {
            e = LogEngine.open(s.engineConfig());
        } catch (RuntimeException ex) {
            fail(ex.getMessage(), ex);
            return;
        }
        synchronized (lock) {
            if (!state.canMoveTo(EngineState.OPEN)) {
                e.close(); // the application stopped while we recovered
                return;
            }
            engine = e;
            state = EngineState.OPEN;
        }
        startKafkaListener(s.kafka());
        opened.fire(new EngineOpened(e, s));
    }

    /**
     * The Kafka protocol listener is hosted here once the event-log module provides one; until then the flag only
     * reports that it is not available, so a deployment that asks for it is not silently left without it.
     */
    private void startKafkaListener(Settings.KafkaListener kafka) {
        if (kafka.enabled()) {
            log.warn("cairn.kafka.enabled=true, but this build has no Kafka protocol listener: {}:{} is not served; "
                    + "clients can use the REST API", kafka.host(), kafka.port());
        }
    }

    private void fail(String reason, Throwable cause) {
        synchronized (lock) {
            if (!state.canMoveTo(EngineState.FAILED)) {
                return;
            }
            failure = reason;
            state = EngineState.FAILED;
        }
        log.error("The log engine could not be opened: {}", reason, cause);
    }

    @PreDestroy
    void onApplicationStop() {
        Future<?> f;
        synchronized (lock) {
            f = opening;
        }
        if (f != null) {
            try {
                f.get(OPEN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.warn("Stopping while the log engine is still opening: {}", e.toString());
            }
        }
        LogEngine e;
        synchronized (lock) {
            if (!state.canMoveTo(EngineState.CLOSED)) {
                return;
            }
            state = EngineState.CLOSED;
            e = engine;
            engine = null;
        }
        if (e != null) {
            e.close();
        }
    }

    /** The open engine; fails with {@link EngineUnavailableException} (503) while starting, after a failure, or once closed. */
    public LogEngine engine() {
        LogEngine e = engine;
        if (e != null) {
            return e;
        }
        throw switch (state) {
            case STARTING -> new EngineUnavailableException("The log engine is still opening (recovering partitions)", true);
            case FAILED -> new EngineUnavailableException("The log engine failed to open: " + failure, false);
            default -> new EngineUnavailableException("The log engine is shut down", false);
        };
    }

    public EngineState state() {
        return state;
    }

    /** Why opening failed, or null. */
    public String failure() {
        return failure;
    }

    /** The settings in force, or null before the application started or when they were invalid. */
    public Settings settings() {
        return settings;
    }
}
