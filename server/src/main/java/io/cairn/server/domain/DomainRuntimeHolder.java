package io.cairn.server.domain;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.log.store.LogEventStore;
import io.cairn.sdk.example.bank.TransferTimeout;
import io.cairn.sdk.processing.EventHandler;
import io.cairn.sdk.processing.HandlerMethod;
import io.cairn.sdk.processing.ProcessingGroup;
import io.cairn.sdk.query.QueryHandler;
import io.cairn.sdk.runtime.DomainRuntime;
import io.cairn.server.EngineOpened;

/**
 * Owns the application's {@link DomainRuntime}: builds it from what {@link DomainExtension} discovered once the log
 * engine is open ({@link EngineOpened}), and closes it when the application stops, before the engine closes
 * ({@code @BeforeDestroyed(ApplicationScoped)} comes before any application-scoped bean's {@code @PreDestroy}). Its
 * processor and deadline threads come from Liberty's managed thread factory, query updates and command retries run on
 * the managed executor.
 *
 * <p>States: STARTING (engine not open yet), RUNNING, FAILED (the model is invalid or the runtime could not start:
 * the reason is in the readiness check and in every 503), CLOSED.
 *
 * <p>Settings: {@code cairn.domain.partitions} (partitions of the topics it creates, default 2, as the projections of
 * the bank topics expect),
 * {@code cairn.bank.transfer.timeout} (ISO-8601 duration after which the bank saga settles an open transfer, default
 * PT5M).
 */
@ApplicationScoped
public class DomainRuntimeHolder {
    private static final Logger log = LoggerFactory.getLogger(DomainRuntimeHolder.class);

    public enum State { STARTING, RUNNING, FAILED, CLOSED }

    static final int DEFAULT_PARTITIONS = 2;

    @Inject
    DomainExtension extension;

    @Inject
    BeanManager beans;

    @Inject
    Config config;

    @Resource(lookup = "java:comp/DefaultManagedExecutorService")
    ManagedExecutorService executor;

    @Resource(lookup = "java:comp/DefaultManagedThreadFactory")
    ManagedThreadFactory threadFactory;

    private volatile State state = State.STARTING;
    private volatile DomainRuntime runtime;
    private volatile String failure;

    void onEngineOpened(@Observes EngineOpened opened) {
        synchronized (this) {
            if (state != State.STARTING) {
                return;
            }
            try {
                DomainRuntime r = build(opened);
                r.start();
                runtime = r;
                state = State.RUNNING;
                log.info("Domain runtime started: {} processor(s) {}", r.processors().size(),
                        r.processors().stream().map(p -> p.name()).toList());
            } catch (RuntimeException e) {
                failure = e.toString();
                state = State.FAILED;
                log.error("The domain runtime could not start: {}", e.toString(), e);
            }
        }
    }

    void onApplicationStopping(@Observes @BeforeDestroyed(ApplicationScoped.class) Object ignored) {
        close();
    }

    synchronized void close() {
        DomainRuntime r = runtime;
        state = State.CLOSED;
        runtime = null;
        if (r != null) {
            r.close();   // processors stop after their current event and store their tokens
        }
    }

    private DomainRuntime build(EngineOpened opened) {
        DomainExtension.DomainModel model = extension.model();
        Duration timeout = config.getOptionalValue("cairn.bank.transfer.timeout", String.class)
                .map(Duration::parse).orElse(Duration.ofMinutes(5));
        DomainRuntime.Builder b = DomainRuntime.builder(LogEventStore.of(opened.engine()))
                .partitions(config.getOptionalValue("cairn.domain.partitions", Integer.class).orElse(DEFAULT_PARTITIONS))
                .threadFactory(threadFactory)
                .executor(executor)
                .resource(TransferTimeout.class, new TransferTimeout(timeout));
        model.aggregates().forEach(b::aggregate);
        model.sagas().forEach(b::saga);
        for (Class<?> c : model.handlers()) {
            Object bean = ContextualInstances.of(beans, c);
            if (c.isAnnotationPresent(ProcessingGroup.class)
                    || !HandlerMethod.scan(c, bean, EventHandler.class).isEmpty()) {
                b.eventHandler(bean);
            }
            if (!HandlerMethod.scan(c, bean, QueryHandler.class).isEmpty()) {
                b.queryHandler(bean);
            }
        }
        return b.build();
    }

    public State state() {
        return state;
    }

    public String failure() {
        return failure;
    }

    /** The running runtime; fails with {@link DomainUnavailableException} (503) otherwise. */
    public DomainRuntime runtime() {
        DomainRuntime r = runtime;
        if (r != null) {
            return r;
        }
        throw new DomainUnavailableException(switch (state) {
            case STARTING -> "The domain runtime starts once the log engine is open";
            case FAILED -> "The domain runtime failed to start: " + failure;
            default -> "The domain runtime is shut down";
        }, state == State.STARTING);
    }

    /** Processor names and their status lines, for health data. */
    List<String> processorSummaries() {
        DomainRuntime r = runtime;
        List<String> out = new ArrayList<>();
        if (r != null) {
            r.processors().forEach(p -> {
                long behind = p.status().stream().mapToLong(s -> Math.max(0, s.endOffset() - s.position())).sum();
                String error = p.status().stream().map(s -> s.error()).filter(e -> e != null).findFirst().orElse(null);
                out.add(p.name() + ": " + p.state() + ", " + behind + " event(s) behind"
                        + (error == null ? "" : ", failing: " + error));
            });
        }
        return out;
    }
}
