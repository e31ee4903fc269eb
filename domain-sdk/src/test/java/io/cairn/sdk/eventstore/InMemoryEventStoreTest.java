package io.cairn.sdk.eventstore;

import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryEventStoreTest {

    private final InMemoryEventStore store = new InMemoryEventStore(() -> 42L);

    private static EventData e(String type) {
        return new EventData(type, 0, "{}".getBytes(StandardCharsets.UTF_8), Map.of("correlationId", "c1"));
    }

    @Test
    void conditionalAppendsAndReads() {
        store.ensureTopic("t", 3, false);
        assertThat(store.append("t", "a", EventStore.NEW_AGGREGATE, List.of(e("A"), e("B"))).lastSequence()).isEqualTo(1);
        assertThatThrownBy(() -> store.append("t", "a", 0, List.of(e("C"))))
                .isInstanceOf(ConcurrencyConflictException.class).hasMessageContaining("expected last sequence 0, actual 1");
        assertThat(store.appendAsync("t", "a", 0, List.of(e("C")))).isCompletedExceptionally();
        assertThat(store.append("t", "a", EventStore.ANY, List.of(e("C"))).lastSequence()).isEqualTo(2);
        List<StoredEvent> events = store.read("t", "a", 1);
        assertThat(events).extracting(StoredEvent::eventType).containsExactly("B", "C");
        assertThat(events.get(0).timestamp()).isEqualTo(42L);
        assertThat(events.get(0).metadata()).containsEntry("correlationId", "c1");
        assertThat(store.readLast("t", "a")).get().extracting(StoredEvent::sequence).isEqualTo(2L);
        assertThat(store.lastSequence("t", "b")).isEqualTo(EventStore.NEW_AGGREGATE);
        assertThatThrownBy(() -> store.append("t", "a", EventStore.ANY, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.read("nope", "a", 0)).hasMessageContaining("unknown topic nope");
    }

    @Test
    void readPartitionWaitsForTheNextEvent() {
        store.ensureTopic("t", 1, false);
        assertThat(store.readPartition("t", 0, 0, 10, 0)).isEmpty();
        CompletableFuture<List<StoredEvent>> waiting = CompletableFuture.supplyAsync(() -> store.readPartition("t", 0, 0, 10, 60_000));
        store.append("t", "a", EventStore.NEW_AGGREGATE, List.of(e("A")));
        assertThat(waiting.join()).extracting(StoredEvent::eventType).containsExactly("A");
        assertThat(store.endOffset("t", 0)).isEqualTo(1);
        assertThat(store.partitionCount("t")).isEqualTo(1);
    }
}
