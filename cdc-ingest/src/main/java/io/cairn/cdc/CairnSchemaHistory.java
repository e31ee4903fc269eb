package io.cairn.cdc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.debezium.config.Configuration;
import io.debezium.document.DocumentReader;
import io.debezium.document.DocumentWriter;
import io.debezium.relational.history.AbstractSchemaHistory;
import io.debezium.relational.history.HistoryRecord;
import io.debezium.relational.history.HistoryRecordComparator;
import io.debezium.relational.history.SchemaHistoryException;
import io.debezium.relational.history.SchemaHistoryListener;

/**
 * The MariaDB connector's schema history (every DDL statement it has seen, with its binlog position) in the topic
 * {@value CdcStorage#SCHEMA_HISTORY}, keyed by the engine's name (see {@link CdcStorage}). Debezium creates it by
 * class name ({@code schema.history.internal}).
 *
 * <p>Thread-safety: Debezium calls it from the connector's task thread.
 */
public final class CairnSchemaHistory extends AbstractSchemaHistory {
    private final DocumentWriter writer = DocumentWriter.defaultWriter();
    private final DocumentReader reader = DocumentReader.defaultReader();
    private CdcStorage storage;
    private String key;

    public CairnSchemaHistory() {
    }

    @Override
    public void configure(Configuration config, HistoryRecordComparator comparator, SchemaHistoryListener listener,
                          boolean useCatalogBeforeSchema) {
        super.configure(config, comparator, listener, useCatalogBeforeSchema);
        storage = CdcStorage.lookup(value(config, ConnectorConfig.STORE_ID));
        key = value(config, "cairn.key");
        if (key == null) {
            throw new SchemaHistoryException("No " + ConnectorConfig.HISTORY_KEY + " in the schema history's configuration");
        }
    }

    private static String value(Configuration config, String name) {
        String v = config.getString("schema.history.internal." + name);
        return v != null ? v : config.getString(name);
    }

    @Override
    protected void storeRecord(HistoryRecord record) throws SchemaHistoryException {
        try {
            storage.appendHistory(key, writer.write(record.document()).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException ex) {
            throw new SchemaHistoryException("Could not append to " + CdcStorage.SCHEMA_HISTORY + ": " + ex, ex);
        }
    }

    @Override
    protected void recoverRecords(Consumer<HistoryRecord> records) {
        storage.readHistory(key, (r, json) -> {
            try {
                records.accept(new HistoryRecord(reader.read(json)));
            } catch (IOException ex) {
                throw new SchemaHistoryException("Unreadable record at offset " + r.offset() + " of "
                        + CdcStorage.SCHEMA_HISTORY + ": " + ex.getMessage(), ex);
            }
        });
    }

    @Override
    public boolean exists() {
        AtomicBoolean any = new AtomicBoolean();
        storage.readHistory(key, (r, json) -> any.set(true));
        return any.get();
    }

    @Override
    public boolean storageExists() {
        return true;
    }

    @Override
    public String toString() {
        return "Cairn topic " + CdcStorage.SCHEMA_HISTORY + " (key " + key + ")";
    }
}
