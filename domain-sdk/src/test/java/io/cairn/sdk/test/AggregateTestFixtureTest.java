package io.cairn.sdk.test;

import io.cairn.sdk.aggregate.Aggregate;
import io.cairn.sdk.aggregate.AggregateId;
import io.cairn.sdk.aggregate.CommandHandler;
import io.cairn.sdk.aggregate.EventSourcingHandler;
import io.cairn.sdk.command.TargetAggregateId;
import org.junit.jupiter.api.Test;

import static io.cairn.sdk.aggregate.AggregateLifecycle.apply;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AggregateTestFixtureTest {

    record Create(@TargetAggregateId String id) { }
    record Bump(@TargetAggregateId String id) { }
    record Sneak(@TargetAggregateId String id) { }
    record Created(String id) { }
    record Bumped(String id) { }

    /** Changes a field in a command handler: the replay check must catch it. */
    @Aggregate
    static class Cheater {
        @AggregateId
        private String id;
        private int bumps;
        private int sneaks;

        Cheater() { }

        @CommandHandler
        Cheater(Create c) { apply(new Created(c.id())); }

        @CommandHandler
        void handle(Bump c) { apply(new Bumped(id)); }

        @CommandHandler
        void handle(Sneak c) {
            sneaks++; // wrong: not in an event-sourcing handler
            apply(new Bumped(id));
        }

        @EventSourcingHandler
        void on(Created e) { id = e.id(); }

        @EventSourcingHandler
        void on(Bumped e) { bumps++; }
    }

    private final AggregateTestFixture<Cheater> fixture = new AggregateTestFixture<>(Cheater.class);

    @Test
    void replayCheckPassesWhenStateChangesOnlyInEventSourcingHandlers() {
        fixture.given(new Created("x")).when(new Bump("x")).expectEvents(new Bumped("x"));
    }

    @Test
    void replayCheckFailsWhenACommandHandlerChangesAField() {
        assertThatThrownBy(() -> fixture.given(new Created("x")).when(new Sneak("x")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("replay check failed")
                .hasMessageContaining("\"sneaks\":1")
                .hasMessageContaining("\"sneaks\":0");
    }

    @Test
    void expectationsFailWithTheEvidence() {
        assertThatThrownBy(() -> fixture.given(new Created("x")).when(new Bump("x")).expectEvents(new Bumped("y")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Bumped[id=y]").hasMessageContaining("Bumped[id=x]");
        assertThatThrownBy(() -> fixture.given(new Created("x")).when(new Bump("x")).expectException(IllegalStateException.class))
                .isInstanceOf(AssertionError.class).hasMessageContaining("succeeded");
    }

    static final class NotValueEvent {
        public String id;
        NotValueEvent() { }
        NotValueEvent(String id) { this.id = id; }
    }

    @Test
    void eventsWithoutValueEqualityFailTheRoundTripCheck() {
        assertThatThrownBy(() -> fixture.given(new NotValueEvent("x")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("does not survive a JSON round trip");
    }
}
