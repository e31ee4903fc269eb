package io.cairn.cdc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Utils;

import io.cairn.log.LogEngine;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;
import io.cairn.log.TopicConfig;

/**
 * CDC state kept in the log, in three internal topics of one partition each:
 * <pre>
 *   __cairn_cdc_offsets         compacted   key = Debezium's offset key (JSON ["engine name",{partition}]),
 *                                           value = Debezium's offset (JSON), null = forgotten
 *   __cairn_cdc_connectors      compacted   key = connector name (UTF-8), value = {@link ConnectorDefinition} JSON,
 *                                           null = deleted
 *   __cairn_cdc_schema_history  kept whole  key = engine name (UTF-8), value = one Debezium history record (JSON)
 * </pre>
 * The schema history is not compacted: Debezium replays every DDL statement in order to rebuild the tables' shapes, so
 * each record matters, not only a key's last one. It is never deleted by time or size either.
 *
 * <p>Debezium instantiates its offset store and schema history by class name; they find this storage through
 * {@link #lookup} by the id in their configuration ({@code cairn.cdc.store}).
 *
 * <p>All of cdc-ingest's reads and writes of the log run on this storage's one I/O thread ({@link #io}), never on
 * the caller's: Debezium interrupts its threads when an engine stops, and an interrupt during a {@code FileChannel}
 * operation closes the channel, which would break the partition for every other user of the log. Callers wait for
 * the I/O to finish even when interrupted (and keep their interrupt flag).
 *
 * <p>Thread-safety: safe for concurrent use. Offsets are cached in memory (read once at open).
 */
final class CdcStorage {
    static final String OFFSETS = "__cairn_cdc_offsets";
    static final String CONNECTORS = "__cairn_cdc_connectors";
    static final String SCHEMA_HISTORY = "__cairn_cdc_schema_history";

    private static final Map<String, CdcStorage> OPEN = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private final LogEngine engine;
    private final PartitionLog offsets;
    private final PartitionLog connectors;
    private final PartitionLog history;
    private final Map<ByteBuffer, ByteBuffer> offsetCache = new ConcurrentHashMap<>();
    /** Per engine name: what must be durable before its offsets are (its topics' appends). */
    private final Map<String, Runnable> beforeOffsets = new ConcurrentHashMap<>();
    private final ExecutorService ioThread;
    private volatile Thread ioThreadItself;

    CdcStorage(LogEngine engine, ThreadFactory threads) {
        this.engine = engine;
        this.ioThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = threads.newThread(r);
            t.setName("cairn-cdc-io");
            ioThreadItself = t;
            return t;
        });
        Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY, "compact");
        offsets = LogIo.topic(engine, OFFSETS, 1, compacted).partition(0);
        connectors = LogIo.topic(engine, CONNECTORS, 1, compacted).partition(0);
        history = LogIo.topic(engine, SCHEMA_HISTORY, 1,
                Map.of(TopicConfig.RETENTION_MS, "-1", TopicConfig.RETENTION_BYTES, "-1")).partition(0);
        LogIo.readAll(offsets, r -> {
            ByteBuffer k = copy(r.key());
            if (r.hasValue()) {
                offsetCache.put(k, copy(r.value()));
            } else {
                offsetCache.remove(k);
            }
        });
        OPEN.put(id, this);
    }

    static CdcStorage lookup(String id) {
        CdcStorage s = id == null ? null : OPEN.get(id);
        if (s == null) {
            throw new IllegalStateException("No open CDC storage '" + id + "' (the CDC service is closed)");
        }
        return s;
    }

    String id() {
        return id;
    }

    LogEngine engine() {
        return engine;
    }

    void close() {
        OPEN.remove(id);
        ioThread.shutdown();
        try {
            ioThread.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs {@code work} on the I/O thread and waits for it, through interrupts (restoring the flag afterwards); runs
     * it directly when already on the I/O thread.
     */
    <T> T io(Callable<T> work) {
        if (Thread.currentThread() == ioThreadItself) {
            return call(work);
        }
        Future<T> f = ioThread.submit(() -> call(work));
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException ex) {
                    interrupted = true;
                } catch (ExecutionException ex) {
                    if (ex.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    if (ex.getCause() instanceof Error e) {
                        throw e;
                    }
                    throw new CdcException("CDC log I/O failed: " + ex.getCause(), ex.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void io(Runnable work) {
        io(() -> {
            work.run();
            return null;
        });
    }

    private static <T> T call(Callable<T> work) {
        try {
            return work.call();
        } catch (RuntimeException ex) {
            throw ex;
        } catch (Exception ex) {
            throw new CdcException("CDC log I/O failed: " + ex, ex);
        }
    }

    // ------------------------------------------------------------------------------------------------ offsets

    Map<ByteBuffer, ByteBuffer> offsets(Iterable<ByteBuffer> keys) {
        Map<ByteBuffer, ByteBuffer> out = new HashMap<>();
        for (ByteBuffer k : keys) {
            ByteBuffer v = offsetCache.get(k);
            if (v != null) {
                out.put(k, v.duplicate());
            }
        }
        return out;
    }

    void beforeOffsets(String engineName, Runnable flush) {
        beforeOffsets.put(engineName, flush);
    }

    void forgetBeforeOffsets(String engineName) {
        beforeOffsets.remove(engineName);
    }

    /** Stores an engine's offsets, after making its data durable. */
    void putOffsets(String engineName, Map<ByteBuffer, ByteBuffer> values) {
        io(() -> {
            Runnable flush = engineName == null ? null : beforeOffsets.get(engineName);
            if (flush != null) {
                flush.run();
            }
            putOffsets(values);
        });
    }

    void putOffsets(Map<ByteBuffer, ByteBuffer> values) {
        io(() -> appendOffsets(values));
    }

    private void appendOffsets(Map<ByteBuffer, ByteBuffer> values) {
        List<SimpleRecord> records = new ArrayList<>(values.size());
        long now = System.currentTimeMillis();
        values.forEach((k, v) -> records.add(new SimpleRecord(now, bytes(k), v == null ? null : bytes(v))));
        LogIo.append(offsets, records, Integer.MAX_VALUE);
        values.forEach((k, v) -> {
            if (v == null) {
                offsetCache.remove(copy(k));
            } else {
                offsetCache.put(copy(k), copy(v));
            }
        });
    }

    /** Forgets every offset of the engine {@code engineName} (its keys are JSON arrays starting with the name). */
    void forgetOffsets(String engineName) {
        String start = "[\"" + engineName + "\"";
        Map<ByteBuffer, ByteBuffer> gone = new HashMap<>();
        for (ByteBuffer k : offsetCache.keySet()) {
            if (StandardCharsets.UTF_8.decode(k.duplicate()).toString().startsWith(start)) {
                gone.put(k, null);
            }
        }
        if (!gone.isEmpty()) {
            putOffsets(gone);
        }
    }

    // ----------------------------------------------------------------------------------------- connector defs

    void putDefinition(String name, byte[] json) {
        io(() -> LogIo.append(connectors, List.of(new SimpleRecord(System.currentTimeMillis(),
                name.getBytes(StandardCharsets.UTF_8), json)), Integer.MAX_VALUE));
    }

    /** Each connector's last definition, in the order they were first defined (deleted ones left out). */
    Map<String, byte[]> definitions() {
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        io(() -> LogIo.readAll(connectors, r -> {
            String name = Utils.utf8(r.key());
            if (r.hasValue()) {
                out.put(name, Utils.toArray(r.value()));
            } else {
                out.remove(name);
            }
        }));
        return out;
    }

    // --------------------------------------------------------------------------------------- schema history

    void appendHistory(String key, byte[] json) {
        io(() -> LogIo.append(history, List.of(new SimpleRecord(System.currentTimeMillis(),
                key.getBytes(StandardCharsets.UTF_8), json)), Integer.MAX_VALUE));
    }

    void readHistory(String key, BiConsumer<Record, byte[]> each) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        io(() -> LogIo.readAll(history, r -> {
            if (r.hasKey() && Utils.toArray(r.key()).length == k.length
                    && java.util.Arrays.equals(Utils.toArray(r.key()), k) && r.hasValue()) {
                each.accept(r, Utils.toArray(r.value()));
            }
        }));
    }

    Topic historyTopic() {
        return engine.requireTopic(SCHEMA_HISTORY);
    }

    static byte[] headerValue(Record r, String key) {
        for (Header h : r.headers()) {
            if (h.key().equals(key)) {
                return h.value();
            }
        }
        return null;
    }

    private static ByteBuffer copy(ByteBuffer b) {
        return ByteBuffer.wrap(Utils.toArray(b.duplicate()));
    }

    private static byte[] bytes(ByteBuffer b) {
        return Utils.toArray(b.duplicate());
    }
}
