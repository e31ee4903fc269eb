package io.cairn.server.cdc;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cdc.CdcService;
import io.cairn.log.LogEngine;
import io.cairn.server.EngineHolder;
import io.cairn.server.EngineOpened;
import io.cairn.server.EngineUnavailableException;

/**
 * Hosts the {@link CdcService} inside the application: starts it once the engine is open (on Liberty's managed
 * executor, since starting connectors validates them against their databases) and stops it before the engine
 * closes. Each connector's engine thread comes from Liberty's default {@link ManagedThreadFactory}.
 *
 * <p>Connectors in configuration (MicroProfile Config): {@code cairn.cdc.connectors=orders,shop} names them, and
 * {@code cairn.cdc.connector.<name>.<property>} gives each its properties (those of {@code ConnectorConfig}, e.g.
 * {@code cairn.cdc.connector.orders.type=postgres}). {@code cairn.cdc.enabled=false} turns CDC off.
 */
@ApplicationScoped
public class CdcHost {
    private static final Logger log = LoggerFactory.getLogger(CdcHost.class);
    static final String PREFIX = "cairn.cdc.connector.";

    @Inject
    Config config;

    @Inject
    EngineHolder holder;

    @Inject
    CdcMetrics metrics;

    @Resource(lookup = "java:comp/DefaultManagedExecutorService")
    ManagedExecutorService executor;

    @Resource(lookup = "java:comp/DefaultManagedThreadFactory")
    ManagedThreadFactory threads;

    private volatile CdcService service;
    private volatile String failure;
    private boolean stopped;

    void onEngineOpened(@Observes EngineOpened opened) {
        if (!config.getOptionalValue("cairn.cdc.enabled", Boolean.class).orElse(true)) {
            failure = "CDC is turned off (cairn.cdc.enabled=false)";
            return;
        }
        holder.beforeClose(this::stop);
        executor.submit(() -> start(opened.engine()));
    }

    private void start(LogEngine engine) {
        try {
            CdcService s = new CdcService(engine, threads);
            synchronized (this) {
                if (stopped) {
                    s.close();
                    return;
                }
                service = s;
            }
            s.start(configured());
            metrics.track(s);
            log.info("CDC started: {} connector(s)", s.list().size());
        } catch (RuntimeException ex) {
            failure = "CDC could not start: " + ex.getMessage();
            log.error(failure, ex);
        }
    }

    /** Connectors defined in configuration: name → properties. */
    Map<String, Map<String, String>> configured() {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        String names = config.getOptionalValue("cairn.cdc.connectors", String.class).orElse("");
        for (String name : names.split(",")) {
            if (!name.isBlank()) {
                out.put(name.trim(), new LinkedHashMap<>());
            }
        }
        for (String key : config.getPropertyNames()) {
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            String rest = key.substring(PREFIX.length());
            for (Map.Entry<String, Map<String, String>> e : out.entrySet()) {
                if (rest.startsWith(e.getKey() + ".")) {
                    config.getOptionalValue(key, String.class)
                            .ifPresent(v -> e.getValue().put(rest.substring(e.getKey().length() + 1), v));
                }
            }
        }
        return out;
    }

    /** The running service; 503 until it has started, or when CDC is off or failed. */
    public CdcService service() {
        CdcService s = service;
        if (s == null) {
            String f = failure;
            throw new EngineUnavailableException(f != null ? f : "CDC is starting (the log engine is opening)", f == null);
        }
        return s;
    }

    @PreDestroy
    synchronized void stop() {
        stopped = true;
        CdcService s = service;
        service = null;
        if (s != null) {
            metrics.untrack();
            s.close();
        }
    }
}
