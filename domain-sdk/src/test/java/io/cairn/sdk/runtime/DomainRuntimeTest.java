package io.cairn.sdk.runtime;

import io.cairn.sdk.command.NoHandlerException;
import io.cairn.sdk.eventstore.InMemoryEventStore;
import io.cairn.sdk.example.bank.BankAccount;
import io.cairn.sdk.example.bank.BankQueries.AccountView;
import io.cairn.sdk.example.bank.BankQueries.FindAccount;
import io.cairn.sdk.example.bank.BankReadModel;
import io.cairn.sdk.example.bank.Deposit;
import io.cairn.sdk.example.bank.MoneyTransferSaga;
import io.cairn.sdk.example.bank.OpenAccount;
import io.cairn.sdk.example.bank.Transfer;
import io.cairn.sdk.example.bank.TransferTimeout;
import io.cairn.sdk.processing.EventHandler;
import io.cairn.sdk.processing.ProcessingGroup;
import io.cairn.sdk.processing.TrackingProcessor;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** How the runtime wires processors, and what it refuses before anything runs. */
class DomainRuntimeTest {
    private final InMemoryEventStore store = new InMemoryEventStore();

    static final class NoGroup {
        @EventHandler
        void on(String e) {
        }
    }

    @ProcessingGroup(value = "mixed", topics = "x", inMemory = true)
    static final class InMemoryPart {
        @EventHandler
        void on(String e) {
        }
    }

    @ProcessingGroup(value = "mixed", topics = "y")
    static final class DurablePart {
        @EventHandler
        void on(Integer e) {
        }
    }

    private DomainRuntime bank(BankReadModel readModel) {
        return DomainRuntime.builder(store).partitions(2).aggregate(BankAccount.class).aggregate(Transfer.class)
                .saga(MoneyTransferSaga.class).eventHandler(readModel).queryHandler(readModel)
                .resource(TransferTimeout.class, new TransferTimeout(Duration.ofMinutes(1))).build();
    }

    @Test
    void oneProcessorPerProcessingGroupAndPerSagaType() {
        try (DomainRuntime runtime = bank(new BankReadModel())) {
            assertThat(runtime.processors()).extracting(TrackingProcessor::name)
                    .containsExactly("bank-read-model", "saga-MoneyTransferSaga");
            assertThat(runtime.processor("bank-read-model").orElseThrow().topics())
                    .containsExactly("bank-accounts", "bank-transfers");
            assertThat(runtime.state()).isEqualTo(DomainRuntime.State.CREATED);
            runtime.start();
            assertThat(runtime.state()).isEqualTo(DomainRuntime.State.RUNNING);
            assertThatThrownBy(runtime::start).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void anInMemoryReadModelIsRebuiltFromTheStartWhenTheRuntimeStartsAgain() {
        try (DomainRuntime first = bank(new BankReadModel())) {
            first.start();
            first.commandGateway().send(new OpenAccount("acc-1", "Ada", 0));
            first.commandGateway().send(new Deposit("acc-1", 42));
            await().atMost(Duration.ofSeconds(60)).until(() -> balance(first, "acc-1") == 42);
        }
        try (DomainRuntime second = bank(new BankReadModel())) {   // fresh, empty read model
            second.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> balance(second, "acc-1") == 42);
        }
    }

    private static long balance(DomainRuntime runtime, String id) {
        AccountView a = runtime.queryGateway().query(new FindAccount(id), AccountView.class).join();
        return a == null ? -1 : a.balance();
    }

    @Test
    void aRuntimeWithoutAggregatesRefusesCommandsClearly() {
        try (DomainRuntime runtime = DomainRuntime.builder(store).eventHandler(new InMemoryPart()).build()) {
            assertThatThrownBy(() -> runtime.commandGateway().send(new Deposit("acc-1", 1)))
                    .isInstanceOf(NoHandlerException.class).hasMessageContaining("Deposit");
        }
    }

    @Test
    void anEventHandlerBeanWithoutProcessingGroupIsRefused() {
        assertThatThrownBy(() -> DomainRuntime.builder(store).eventHandler(new NoGroup()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NoGroup")
                .hasMessageContaining("@ProcessingGroup");
    }

    @Test
    void aGroupMixingInMemoryAndDurableBeansIsRefused() {
        assertThatThrownBy(() -> DomainRuntime.builder(store).eventHandler(new InMemoryPart())
                .eventHandler(new DurablePart()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mixed");
    }
}
