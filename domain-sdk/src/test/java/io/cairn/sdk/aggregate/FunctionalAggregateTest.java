package io.cairn.sdk.aggregate;

import io.cairn.sdk.command.EventSourcingCommandGateway;
import io.cairn.sdk.eventstore.InMemoryEventStore;
import io.cairn.sdk.test.AggregateTestFixture;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FunctionalAggregateTest {

    record Counter(String id, long value) { }
    record Increment(String counterId, long by) { }
    record Incremented(String counterId, long by) { }

    static final FunctionalAggregate<Counter> COUNTERS = FunctionalAggregate
            .builder("Counter", "counters", Counter.class, new Counter(null, 0))
            .command(Increment.class, Increment::counterId, (cmd, state) -> {
                if (state.value() + cmd.by() > 10) {
                    throw new IllegalStateException("counter " + cmd.counterId() + " would pass 10");
                }
                return List.of(new Incremented(cmd.counterId(), cmd.by()));
            })
            .event(Incremented.class, (state, e) -> new Counter(e.counterId(), state.value() + e.by()))
            .snapshotEvery(3)
            .build();

    @Test
    void decidesAndEvolvesInTheFixture() {
        new AggregateTestFixture<>(COUNTERS)
                .given(new Incremented("c", 4))
                .when(new Increment("c", 5))
                .expectEvents(new Incremented("c", 5))
                .expectResult("c")
                .expectState(s -> assertThat(s.value()).isEqualTo(9));
        new AggregateTestFixture<>(COUNTERS).given(new Incremented("c", 9)).when(new Increment("c", 2))
                .expectException(IllegalStateException.class).expectExceptionMessage("would pass 10");
    }

    @Test
    void runsThroughTheGatewayWithSnapshots() {
        InMemoryEventStore store = new InMemoryEventStore();
        EventSourcingCommandGateway gateway = EventSourcingCommandGateway.builder(store).register(COUNTERS).build();
        for (int i = 0; i < 7; i++) {
            gateway.send(new Increment("c", 1));
        }
        LoadedAggregate<Counter> loaded = gateway.<Counter>repository("counters").load("c");
        assertThat(loaded.state()).isEqualTo(new Counter("c", 7));
        assertThat(loaded.lastSequence()).isEqualTo(6);
        assertThat(loaded.fromSnapshot()).isTrue();
        assertThat(loaded.eventsRead()).isEqualTo(1); // snapshot after event 5 (the 6th), then event 6
        assertThatThrownBy(() -> gateway.send(new Increment("c", 5))).hasMessageContaining("would pass 10");
        assertThat(store.lastSequence("counters", "c")).isEqualTo(6);
    }
}
