package io.cairn.server;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;

import java.util.List;

import io.cairn.log.LogEngine;
import io.cairn.log.kafka.ConsumerGroupInfo;

/**
 * Owns the application's one {@link LogEngine}: opens it when the application starts and closes it (flush and clean
 * shutdown, so the next start skips recovery) when the application stops; in between it hosts the Kafka listener
 * ({@code cairn.kafka.*}). The states and their rules are in {@link EngineLifecycle}; this bean connects them to CDI,
 * MicroProfile Config, Liberty's managed executor (which opens the engine) and Liberty's managed thread factory
 * (which makes the Kafka listener's threads, so they carry the application's context and end with it).
 *
 * <p>While the engine opens (recovery after a crash can take a while) the application is live but not ready, and REST
 * calls get 503 with {@code Retry-After}. When opening fails (a bad setting, a data directory locked by another
 * process) the application stays deployed and reports the reason through health checks and REST errors.
 */
@ApplicationScoped
public class EngineHolder {
    /** How long stopping the application waits for an open in progress (recovery) before closing anyway. */
    private static final long OPEN_WAIT_SECONDS = 120;

    @Inject
    Config config;

    @Inject
    Event<EngineOpened> opened;

    @Inject
    KafkaRequestMetrics kafkaMetrics;

    @Resource(lookup = "java:comp/DefaultManagedExecutorService")
    ManagedExecutorService executor;

    @Resource(lookup = "java:comp/DefaultManagedThreadFactory")
    ManagedThreadFactory threadFactory;

    private EngineLifecycle lifecycle;

    @PostConstruct
    void init() {
        lifecycle = new EngineLifecycle(executor, threadFactory, kafkaMetrics, opened::fire);
    }

    void onApplicationStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        Settings s;
        try {
            s = Settings.from(config);
        } catch (RuntimeException e) {
            lifecycle.failed("invalid settings: " + e.getMessage(), e);
            return;
        }
        lifecycle.start(s);
    }

    @PreDestroy
    void onApplicationStop() {
        lifecycle.stop(OPEN_WAIT_SECONDS);
    }

    /** The open engine; fails with {@link EngineUnavailableException} (503) while starting, after a failure, or once closed. */
    public LogEngine engine() {
        return lifecycle.engine();
    }

    /** Runs {@code r} when the engine is about to close, while it is still open (for modules that write to it). */
    public void beforeClose(Runnable r) {
        lifecycle.beforeClose(r);
    }

    public EngineState state() {
        return lifecycle.state();
    }

    /** Why opening failed, or null. */
    public String failure() {
        return lifecycle.failure();
    }

    /** What the Kafka listener is doing. */
    public KafkaListenerHost.Status kafka() {
        return lifecycle.kafka();
    }

    /** Consumer groups of the Kafka listener with their committed offsets; empty when it is not listening. */
    public List<ConsumerGroupInfo> consumerGroups() {
        return lifecycle.consumerGroups();
    }

    /** The settings in force, or null before the application started or when they were invalid. */
    public Settings settings() {
        return lifecycle.settings();
    }
}
