package io.cairn.sdk.query;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class QueryGatewayTest {
    record BalanceOf(String accountId) { }
    record AllBalances() { }
    record Balance(String accountId, long amount) { }

    static final class Balances {
        final Map<String, Long> byAccount = new ConcurrentHashMap<>();

        @QueryHandler
        Balance balance(BalanceOf q) {
            Long amount = byAccount.get(q.accountId());
            if (amount == null) {
                throw new IllegalArgumentException("no account " + q.accountId());
            }
            return new Balance(q.accountId(), amount);
        }

        @QueryHandler
        List<Balance> all(AllBalances q) {
            return byAccount.entrySet().stream().map(e -> new Balance(e.getKey(), e.getValue())).toList();
        }
    }

    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final QueryGateway gateway = new QueryGateway(executor);
    private final Balances balances = new Balances();

    @AfterEach
    void shutdown() {
        gateway.closeSubscriptions();
        executor.shutdownNow();
    }

    @Test
    void pointQueryIsAnsweredByTheHandlerForItsClass() throws Exception {
        gateway.register(balances);
        balances.byAccount.put("a-1", 500L);

        assertThat(gateway.query(new BalanceOf("a-1"), Balance.class).get()).isEqualTo(new Balance("a-1", 500));
        assertThat(gateway.query(new AllBalances(), List.class).get()).containsExactly(new Balance("a-1", 500));
    }

    @Test
    void queriesWithoutHandlerOrOfTheWrongTypeOrFailingFailTheFuture() {
        gateway.register(balances);

        assertThatThrownBy(() -> gateway.query("what?", String.class).get())
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(NoQueryHandlerException.class)
                .hasMessageContaining("java.lang.String");
        balances.byAccount.put("a-1", 1L);
        assertThatThrownBy(() -> gateway.query(new BalanceOf("a-1"), String.class).get())
                .cause().isInstanceOf(NoQueryHandlerException.class).hasMessageContaining("Balance");
        assertThatThrownBy(() -> gateway.query(new BalanceOf("nope"), Balance.class).get())
                .cause().isInstanceOf(IllegalArgumentException.class).hasMessage("no account nope");
    }

    @Test
    void twoHandlersForOneQueryClassAreRejected() {
        gateway.register(balances);
        assertThatThrownBy(() -> gateway.register(new Balances()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two query handlers");
    }

    @Test
    void subscriptionQueryGetsItsInitialAnswerThenMatchingUpdatesOnly() throws Exception {
        gateway.register(balances);
        balances.byAccount.put("a-1", 100L);
        List<Balance> received = new CopyOnWriteArrayList<>();

        try (SubscriptionQueryResult<Balance, Balance> s =
                     gateway.subscriptionQuery(new BalanceOf("a-1"), Balance.class, Balance.class)) {
            s.updates().subscribe(collect(received, new AtomicReference<>()));
            assertThat(s.initialResult().get()).isEqualTo(new Balance("a-1", 100));

            gateway.emit(BalanceOf.class, q -> q.accountId().equals("a-2"), new Balance("a-2", 7));   // other account
            gateway.emit(BalanceOf.class, q -> q.accountId().equals("a-1"), new Balance("a-1", 150));
            gateway.emit(BalanceOf.class, q -> q.accountId().equals("a-1"), "not a Balance");          // other type
            gateway.emit(AllBalances.class, q -> true, new Balance("a-1", 999));                      // other query
            gateway.emit(BalanceOf.class, q -> q.accountId().equals("a-1"), new Balance("a-1", 175));

            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 2);
            assertThat(received).containsExactly(new Balance("a-1", 150), new Balance("a-1", 175));
        }
        assertThat(gateway.openSubscriptions()).isZero();
    }

    @Test
    void closingCompletesTheUpdateStream() {
        gateway.register(balances);
        balances.byAccount.put("a-1", 1L);
        AtomicReference<String> end = new AtomicReference<>();
        SubscriptionQueryResult<Balance, Balance> s =
                gateway.subscriptionQuery(new BalanceOf("a-1"), Balance.class, Balance.class);
        s.updates().subscribe(collect(new CopyOnWriteArrayList<>(), end));

        s.close();

        await().atMost(Duration.ofSeconds(30)).until(() -> "complete".equals(end.get()));
        gateway.emit(BalanceOf.class, q -> true, new Balance("a-1", 2));   // no one left: nothing to deliver
        assertThat(gateway.openSubscriptions()).isZero();
    }

    @Test
    void aSubscriberThatFallsTooFarBehindIsFailedNotSilentlySkipped() {
        gateway.register(balances);
        balances.byAccount.put("a-1", 1L);
        AtomicReference<String> end = new AtomicReference<>();
        SubscriptionQueryResult<Balance, Balance> s =
                gateway.subscriptionQuery(new BalanceOf("a-1"), Balance.class, Balance.class);
        s.updates().subscribe(new Flow.Subscriber<>() {   // requests nothing: every update stays buffered
            public void onSubscribe(Flow.Subscription subscription) { }
            public void onNext(Balance item) { }
            public void onError(Throwable t) { end.set(t.getClass().getSimpleName()); }
            public void onComplete() { end.set("complete"); }
        });

        for (int i = 0; i <= QueryGateway.UPDATE_BUFFER + 1; i++) {
            gateway.emit(BalanceOf.class, q -> true, new Balance("a-1", i));
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> "UpdateBufferOverflowException".equals(end.get()));
        assertThat(gateway.droppedSubscribers()).isEqualTo(1);
        assertThat(gateway.openSubscriptions()).isZero();
    }

    private static <T> Flow.Subscriber<T> collect(List<T> into, AtomicReference<String> end) {
        return new Flow.Subscriber<>() {
            public void onSubscribe(Flow.Subscription subscription) { subscription.request(Long.MAX_VALUE); }
            public void onNext(T item) { into.add(item); }
            public void onError(Throwable t) { end.set(t.toString()); }
            public void onComplete() { end.set("complete"); }
        };
    }
}
