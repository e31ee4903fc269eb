package io.cairn.sdk.aggregate;

import io.cairn.sdk.CommandMessage;
import io.cairn.sdk.command.TargetAggregateId;
import org.junit.jupiter.api.Test;

import static io.cairn.sdk.aggregate.AggregateLifecycle.apply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnnotatedAggregateTest {

    record Make(@TargetAggregateId String id) { }
    record Poke(@TargetAggregateId String id) { }
    record NoTarget(String id) { }
    record Made(String id) { }
    record Poked(String id, int n) { }

    @Aggregate(topic = "things", snapshotEvery = 7)
    static class Thing {
        @AggregateId
        private String id;
        private int pokes;

        Thing() { }

        @CommandHandler
        Thing(Make c) {
            apply(new Made(c.id()));
            apply(new Poked(c.id(), 1)); // queued until the constructor returns, then applied in order
        }

        @CommandHandler
        int handle(Poke c) {
            apply(new Poked(id, pokes + 1));
            return pokes; // already includes the event applied just above
        }

        @EventSourcingHandler
        void on(Made e) { id = e.id(); }

        @EventSourcingHandler
        void on(Poked e) { pokes = e.n(); }
    }

    @Test
    void readsSettingsAndHandlers() {
        AnnotatedAggregate<Thing> model = AnnotatedAggregate.of(Thing.class);
        assertThat(model.topic()).isEqualTo("things");
        assertThat(model.snapshotEvery()).isEqualTo(7);
        assertThat(model.aggregateType()).isEqualTo("Thing");
        assertThat(model.commandTypes()).containsExactlyInAnyOrder(Make.class, Poke.class);
        assertThat(model.eventTypes()).containsExactlyInAnyOrder(Made.class, Poked.class);
        assertThat(model.createsAggregate(Make.class)).isTrue();
        assertThat(model.createsAggregate(Poke.class)).isFalse();
        assertThat(model.withTopic("other").withSnapshotEvery(0).topic()).isEqualTo("other");
    }

    @Test
    void constructorEventsAreAppliedAfterConstructionAndMethodEventsAtOnce() {
        AnnotatedAggregate<Thing> model = AnnotatedAggregate.of(Thing.class);
        Decision<Thing> made = model.handle(null, CommandMessage.of(new Make("t")));
        assertThat(made.aggregateId()).isEqualTo("t");
        assertThat(made.result()).isEqualTo("t");
        assertThat(made.events()).containsExactly(new Made("t"), new Poked("t", 1));
        assertThat(made.state().pokes).isEqualTo(1);
        Decision<Thing> poked = model.handle(made.state(), CommandMessage.of(new Poke("t")));
        assertThat(poked.result()).isEqualTo(2);
        assertThatThrownBy(() -> model.handle(null, CommandMessage.of(new Poke("x"))))
                .isInstanceOf(AggregateNotFoundException.class).hasMessageContaining("Thing x does not exist");
    }

    @Test
    void applyOutsideACommandHandlerFails() {
        assertThatThrownBy(() -> AggregateLifecycle.apply(new Made("x"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("outside a command handler");
    }

    @Aggregate
    static class NoNoArgConstructor {
        @AggregateId String id;
        @CommandHandler NoNoArgConstructor(Make c) { }
    }

    @Aggregate
    static class NoId {
        NoId() { }
        @CommandHandler NoId(Make c) { }
    }

    @Aggregate
    static class UntargetedCommand {
        @AggregateId String id;
        UntargetedCommand() { }
        @CommandHandler UntargetedCommand(Make c) { }
        @CommandHandler void handle(NoTarget c) { }
    }

    @Aggregate
    static class TwoHandlers {
        @AggregateId String id;
        TwoHandlers() { }
        @CommandHandler TwoHandlers(Make c) { }
        @EventSourcingHandler void on(Made e) { }
        @EventSourcingHandler void again(Made e) { }
    }

    @Aggregate
    static class NeverCreated {
        @AggregateId String id;
        NeverCreated() { }
        @CommandHandler void handle(Poke c) { }
    }

    @Aggregate
    static class BankAccountLikeName {
        @AggregateId String id;
        BankAccountLikeName() { }
        @CommandHandler BankAccountLikeName(Make c) { }
    }

    @Test
    void badAggregateClassesAreRejectedAtRegistrationNamingTheProblem() {
        assertThatThrownBy(() -> AnnotatedAggregate.of(NoNoArgConstructor.class)).hasMessageContaining("no-argument constructor");
        assertThatThrownBy(() -> AnnotatedAggregate.of(NoId.class)).hasMessageContaining("@AggregateId");
        assertThatThrownBy(() -> AnnotatedAggregate.of(UntargetedCommand.class)).hasMessageContaining("NoTarget")
                .hasMessageContaining("@TargetAggregateId");
        assertThatThrownBy(() -> AnnotatedAggregate.of(TwoHandlers.class)).hasMessageContaining("two handlers for");
        assertThatThrownBy(() -> AnnotatedAggregate.of(NeverCreated.class)).hasMessageContaining("nothing can create it");
        assertThat(AnnotatedAggregate.of(BankAccountLikeName.class).topic()).isEqualTo("bank-account-like-name");
    }
}
