package io.cairn.sdk.saga;

import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads a (compacted) topic from its start to its current end and keeps the last event per key. */
final class LogScan {
    private static final int BATCH = 1000;

    private LogScan() {
    }

    static Map<String, StoredEvent> latestPerKey(EventStore store, String topic) {
        Map<String, StoredEvent> latest = new HashMap<>();
        for (int p = 0; p < store.partitionCount(topic); p++) {
            long end = store.endOffset(topic, p);
            long next = 0;
            while (next < end) {
                List<StoredEvent> batch = store.readPartition(topic, p, next, BATCH, 0);
                if (batch.isEmpty()) {
                    break;
                }
                for (StoredEvent e : batch) {
                    latest.put(e.aggregateId(), e);
                    next = e.offset() + 1;
                }
            }
        }
        return latest;
    }
}
