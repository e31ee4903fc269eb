package io.cairn.sdk.snapshot;

import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.sdk.eventstore.InMemoryEventStore;
import io.cairn.sdk.serialization.StateMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotStoreTest {

    static final class Counter {
        private String id;
        private long value;

        Counter() { }

        Counter(String id, long value) {
            this.id = id;
            this.value = value;
        }
    }

    private final InMemoryEventStore store = new InMemoryEventStore();
    private final SnapshotStore snapshots = new SnapshotStore(store, new StateMapper(), 2);

    @Test
    void storesAndLoadsTheLatestSnapshotInACompactedSideTopic() {
        snapshots.storeAsync("counters", "c", snapshots.toRecord(new Counter("c", 5), 9)).join();
        snapshots.storeAsync("counters", "c", snapshots.toRecord(new Counter("c", 8), 19)).join();
        Snapshot<Counter> loaded = snapshots.load("counters", "c", Counter.class).orElseThrow();
        assertThat(loaded.sequence()).isEqualTo(19);
        assertThat(loaded.state().value).isEqualTo(8);
        assertThat(store.read("counters-snapshots", "c", 0)).hasSize(1); // compacted: the latest only
        assertThat(snapshots.load("counters", "other", Counter.class)).isEmpty();
    }

    @Test
    void anUnreadableSnapshotIsIgnoredNotFatal() {
        store.ensureTopic("counters-snapshots", 1, true);
        store.append("counters-snapshots", "c", EventStore.ANY, List.of(new EventData(Counter.class.getName(), 0,
                "{\"id\":\"c\",\"renamedField\":1}".getBytes(StandardCharsets.UTF_8), Map.of(SnapshotStore.SEQUENCE_KEY, "3"))));
        assertThat(snapshots.load("counters", "c", Counter.class)).isEmpty();
        store.append("counters-snapshots", "c", EventStore.ANY, List.of(new EventData("some.other.Type", 0,
                "{}".getBytes(StandardCharsets.UTF_8), Map.of(SnapshotStore.SEQUENCE_KEY, "3"))));
        assertThat(snapshots.load("counters", "c", Counter.class)).isEmpty();
    }
}
