package io.cairn.cdc;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.OffsetBackingStore;
import org.apache.kafka.connect.util.Callback;

/**
 * Debezium's offsets in the compacted topic {@value CdcStorage#OFFSETS} (see {@link CdcStorage} for the format).
 * Debezium creates it by class name ({@code offset.storage}) and it finds the service's storage by the
 * {@code cairn.cdc.store} property. A {@link #set} first fsyncs the engine's own appends to its table topics, then
 * appends the offsets (fsynced, by the topic's default flush policy), and returns.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class CairnOffsetBackingStore implements OffsetBackingStore {
    private CdcStorage storage;
    private String engineName;

    public CairnOffsetBackingStore() {
    }

    @Override
    public void configure(WorkerConfig config) {
        Object id = config.originals().get(ConnectorConfig.STORE_ID);
        storage = CdcStorage.lookup(id == null ? null : id.toString());
        Object name = config.originals().get("name");
        engineName = name == null ? null : name.toString();
    }

    @Override
    public void start() {
    }

    @Override
    public void stop() {
    }

    @Override
    public Future<Map<ByteBuffer, ByteBuffer>> get(Collection<ByteBuffer> keys) {
        return CompletableFuture.completedFuture(storage.offsets(keys));
    }

    @Override
    public Future<Void> set(Map<ByteBuffer, ByteBuffer> values, Callback<Void> callback) {
        try {
            storage.putOffsets(engineName, values);
        } catch (RuntimeException ex) {
            if (callback != null) {
                callback.onCompletion(ex, null);
            }
            return CompletableFuture.failedFuture(ex);
        }
        if (callback != null) {
            callback.onCompletion(null, null);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return Set.of();
    }
}
