package io.cairn.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.Test;

import io.cairn.sdk.aggregate.Aggregate;
import io.cairn.sdk.aggregate.AggregateId;
import io.cairn.sdk.aggregate.CommandHandler;
import io.cairn.sdk.example.bank.BankAccount;
import io.cairn.sdk.example.bank.BankReadModel;
import io.cairn.sdk.example.bank.MoneyTransferSaga;
import io.cairn.sdk.example.bank.Transfer;
import io.cairn.sdk.processing.EventHandler;
import io.cairn.sdk.processing.HandlerMethod;
import io.cairn.sdk.processing.ProcessingGroup;
import io.cairn.sdk.query.QueryHandler;

/** The CDI extension on a real CDI container (Weld, as in Liberty): what it finds, what it vetoes. */
class DomainExtensionTest {

    /** A user's aggregate in the WAR. */
    @Aggregate(topic = "orders")
    static class Order {
        @AggregateId
        String orderId;

        Order() {
        }

        @CommandHandler
        Order(String command) {
        }
    }

    /** A user's read model bean: it stays a CDI bean. */
    @ApplicationScoped
    @ProcessingGroup(value = "orders-view", topics = "orders")
    static class OrdersView {
        private final java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

        @EventHandler
        void on(String event) {
            seen.add(event);
        }

        public java.util.List<String> seen() {
            return seen;
        }

        @QueryHandler
        String count(Integer query) {
            return "0";
        }
    }

    /** A bean unrelated to the domain: ignored. */
    @ApplicationScoped
    static class Unrelated {
    }

    @Test
    void findsAggregatesSagasAndHandlerBeansIncludingTheBankExampleAndVetoesWhatTheSdkInstantiates() {
        Weld weld = new Weld().disableDiscovery().addExtension(new DomainExtension())
                .addBeanClasses(Order.class, OrdersView.class, Unrelated.class);
        try (WeldContainer cdi = weld.initialize()) {
            DomainExtension.DomainModel model = cdi.select(DomainExtension.class).get().model();

            assertThat(model.aggregates()).containsExactlyInAnyOrder(Order.class, BankAccount.class, Transfer.class);
            assertThat(model.sagas()).containsExactly(MoneyTransferSaga.class);
            assertThat(model.handlers()).containsExactlyInAnyOrder(OrdersView.class, BankReadModel.class);

            assertThat(cdi.select(Order.class).isUnsatisfied()).isTrue();
            assertThat(cdi.select(BankAccount.class).isUnsatisfied()).isTrue();
            assertThat(cdi.select(MoneyTransferSaga.class).isUnsatisfied()).isTrue();
            assertThat(cdi.select(OrdersView.class).isResolvable()).isTrue();
            assertThat(cdi.select(BankReadModel.class).isResolvable()).isTrue();
        }
    }

    @Test
    void handlersAreCalledOnTheContextualInstanceThatTheApplicationSeesThroughItsProxy() throws Exception {
        Weld weld = new Weld().disableDiscovery().addExtension(new DomainExtension()).addBeanClasses(OrdersView.class);
        try (WeldContainer cdi = weld.initialize()) {
            Object instance = ContextualInstances.of(cdi.getBeanManager(), OrdersView.class);
            assertThat(instance.getClass()).isEqualTo(OrdersView.class);   // not the proxy subclass

            HandlerMethod<EventHandler> handler = HandlerMethod.scan(OrdersView.class, instance, EventHandler.class).get(0);
            handler.invoke("order-1 placed", type -> null);   // package-private: a proxy would not forward it

            assertThat(cdi.select(OrdersView.class).get().seen()).containsExactly("order-1 placed");
            assertThat(ContextualInstances.of(cdi.getBeanManager(), OrdersView.class)).isSameAs(instance);
        }
    }
}
