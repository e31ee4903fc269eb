package io.cairn.cdc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ThreadFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.log.LogEngine;

/**
 * Change data capture into the log: runs any number of Debezium connectors (PostgreSQL, MariaDB) in-process, each
 * table's changes into its own topic, exactly once (see docs/cdc.md).
 *
 * <p>Connectors are defined through this API ({@link #create}, {@link #pause}, {@link #resume}, {@link #delete}) or
 * in configuration ({@link #start}'s argument); definitions, Debezium's offsets and the MariaDB schema history live
 * in internal topics ({@link CdcStorage}), so a restarted service picks every connector up where it was.
 *
 * <p>Thread-safety: safe for concurrent use; changes to the set of connectors are serialized.
 */
public final class CdcService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CdcService.class);

    private final ThreadFactory threads;
    private final CdcStorage storage;
    private final Map<String, CdcConnector> connectors = new LinkedHashMap<>();
    private boolean closed;

    /**
     * Opens the service's state in {@code engine} (creating the internal topics when missing); nothing runs until
     * {@link #start}.
     *
     * @param threads makes each connector's engine thread
     */
    public CdcService(LogEngine engine, ThreadFactory threads) {
        this.threads = Objects.requireNonNull(threads, "threads");
        this.storage = new CdcStorage(engine, threads);
    }

    /**
     * Starts every connector defined in the log that is not paused, after defining (or redefining) those in
     * {@code configured} (name → properties). A configured connector whose configuration is invalid is left FAILED
     * with the reason, and does not stop the others.
     */
    public synchronized void start(Map<String, Map<String, String>> configured) {
        for (Map.Entry<String, byte[]> e : storage.definitions().entrySet()) {
            ConnectorDefinition d = ConnectorDefinition.fromJson(e.getValue());
            try {
                connectors.put(d.name(), new CdcConnector(d, ConnectorConfig.parse(d.name(), d.config()), storage, threads));
            } catch (CdcConfigException ex) {
                log.warn("Stored CDC connector {} is not valid any more: {}", d.name(), ex.getMessage());
            }
        }
        for (Map.Entry<String, Map<String, String>> e : configured.entrySet()) {
            CdcConnector existing = connectors.get(e.getKey());
            if (existing != null && existing.definition().config().equals(Map.copyOf(e.getValue()))) {
                continue;
            }
            try {
                ConnectorConfig cfg = ConnectorConfig.parse(e.getKey(), e.getValue());
                ConnectorDefinition d = existing != null
                        ? new ConnectorDefinition(e.getKey(), existing.definition().uid(), false, e.getValue())
                        : new ConnectorDefinition(e.getKey(), newUid(), false, e.getValue());
                storage.putDefinition(d.name(), d.toJson());
                connectors.put(d.name(), new CdcConnector(d, cfg, storage, threads));
            } catch (CdcConfigException ex) {
                log.warn("Configured CDC connector {} is not valid: {}", e.getKey(), ex.getMessage());
            }
        }
        for (CdcConnector c : connectors.values()) {
            if (!c.definition().paused()) {
                startChecked(c);
            }
        }
    }

    private void startChecked(CdcConnector c) {
        try {
            c.config().validateWithDebezium(storage.id(), c.engineName());
            c.start();
        } catch (CdcConfigException ex) {
            c.failedToStart(ex.getMessage());
            log.warn("CDC connector {} not started: {}", c.definition().name(), ex.getMessage());
        }
    }

    /**
     * Defines a connector and starts it. The configuration is checked first, by Cairn and by Debezium (which connects
     * to the database): nothing is stored or started when it is refused.
     *
     * @throws CdcConfigException naming each bad property
     * @throws CdcException.ConnectorExistsException when the name is taken
     */
    public synchronized ConnectorStatus create(String name, Map<String, String> config) {
        ensureOpen();
        if (connectors.containsKey(name)) {
            throw new CdcException.ConnectorExistsException(name);
        }
        ConnectorConfig cfg = ConnectorConfig.parse(name, config);
        for (CdcConnector other : connectors.values()) {
            if (other.config().prefix().equals(cfg.prefix())) {
                throw new CdcConfigException("topic.prefix: '" + cfg.prefix() + "' is used by connector '"
                        + other.definition().name() + "' (each connector owns its topics)");
            }
        }
        ConnectorDefinition d = new ConnectorDefinition(name, newUid(), false, config);
        cfg.validateWithDebezium(storage.id(), d.engineName());
        storage.putDefinition(name, d.toJson());
        CdcConnector c = new CdcConnector(d, cfg, storage, threads);
        connectors.put(name, c);
        c.start();
        return c.status();
    }

    /** Stops the connector (its offsets flushed) and keeps it stopped, across restarts too, until {@link #resume}. */
    public synchronized ConnectorStatus pause(String name) {
        CdcConnector c = require(name);
        if (c.state() != ConnectorState.PAUSED) {
            ConnectorDefinition d = c.definition().withPaused(true);
            storage.putDefinition(name, d.toJson());
            c.stop(ConnectorState.PAUSED);
            CdcConnector paused = new CdcConnector(d, c.config(), storage, threads);
            connectors.put(name, paused);
            return paused.status();
        }
        return c.status();
    }

    /** Starts a paused or failed connector again, from its stored offsets. */
    public synchronized ConnectorStatus resume(String name) {
        CdcConnector c = require(name);
        if (c.state().running()) {
            return c.status();
        }
        c.stop(ConnectorState.STOPPED);
        ConnectorDefinition d = c.definition().withPaused(false);
        if (c.definition().paused()) {
            storage.putDefinition(name, d.toJson());
        }
        CdcConnector resumed = new CdcConnector(d, c.config(), storage, threads);
        connectors.put(name, resumed);
        // Validated when created; a database that has changed since fails the start with Debezium's reason.
        resumed.start();
        return resumed.status();
    }

    /**
     * Stops the connector and forgets it: its definition and offsets, and (PostgreSQL) its replication slot and the
     * publication Cairn had created, so the database does not keep WAL for it. Its topics and their records stay.
     */
    public synchronized void delete(String name) {
        CdcConnector c = require(name);
        c.stop(ConnectorState.STOPPED);
        connectors.remove(name);
        storage.putDefinition(name, null);
        storage.forgetOffsets(c.engineName());
        dropSlot(c);
    }

    private static void dropSlot(CdcConnector c) {
        SourceDatabase db = new SourceDatabase(c.config());
        Exception last = null;
        // The walsender of a stopped engine may take a moment to end; an active slot cannot be dropped.
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                db.dropSlot(c.debeziumProperties());
                return;
            } catch (Exception ex) {
                last = ex;
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        log.warn("Could not drop the replication slot of deleted CDC connector {}: {}", c.definition().name(),
                last == null ? "?" : last.getMessage());
    }

    public synchronized ConnectorStatus status(String name) {
        return require(name).status();
    }

    public synchronized List<ConnectorStatus> list() {
        List<ConnectorStatus> out = new ArrayList<>();
        for (CdcConnector c : connectors.values()) {
            out.add(c.status());
        }
        return out;
    }

    private CdcConnector require(String name) {
        ensureOpen();
        CdcConnector c = connectors.get(name);
        if (c == null) {
            throw new CdcException.UnknownConnectorException(name);
        }
        return c;
    }

    private void ensureOpen() {
        if (closed) {
            throw new CdcException("The CDC service is closed");
        }
    }

    private static String newUid() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** Stops every connector (each flushes its offsets); their definitions stay for the next start. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (CdcConnector c : connectors.values()) {
            if (c.state() != ConnectorState.PAUSED) {
                c.stop(ConnectorState.STOPPED);
            }
        }
        storage.close();
    }
}
