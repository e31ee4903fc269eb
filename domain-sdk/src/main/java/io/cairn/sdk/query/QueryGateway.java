package io.cairn.sdk.query;

import io.cairn.sdk.processing.HandlerMethod;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Routes queries to {@link QueryHandler} methods, in process, and keeps subscription queries open for
 * {@link QueryUpdateEmitter#emit updates}.
 *
 * <p>A query is routed by its class (the most specific handler parameter type it is an instance of); the handler runs
 * on the calling thread and its answer must be an instance of the requested response type. Updates are delivered to
 * subscribers on {@code updateExecutor}, never on the emitting thread, so a slow subscriber cannot stall the event
 * processor that emits. Thread-safe.
 */
public final class QueryGateway implements QueryUpdateEmitter {

    /** Updates buffered per subscriber of a subscription query before it is failed with an overflow. */
    public static final int UPDATE_BUFFER = 256;

    private final Executor updateExecutor;
    private final Map<Class<?>, HandlerMethod<QueryHandler>> handlers = new ConcurrentHashMap<>();
    private final Set<Subscription<?, ?, ?>> subscriptions = ConcurrentHashMap.newKeySet();
    private final AtomicLong droppedSubscribers = new AtomicLong();

    public QueryGateway(Executor updateExecutor) {
        this.updateExecutor = Objects.requireNonNull(updateExecutor, "updateExecutor");
    }

    /**
     * Registers the bean's {@link QueryHandler} methods.
     *
     * @throws IllegalArgumentException when another handler already takes one of the query classes
     */
    public void register(Object bean) {
        List<HandlerMethod<QueryHandler>> found = HandlerMethod.scan(bean.getClass(), bean, QueryHandler.class);
        for (HandlerMethod<QueryHandler> h : found) {
            if (h.method().getReturnType() == void.class) {
                throw new IllegalArgumentException("@QueryHandler " + h + " must return its answer");
            }
            HandlerMethod<QueryHandler> previous = handlers.putIfAbsent(h.payloadType(), h);
            if (previous != null) {
                throw new IllegalArgumentException("two query handlers for " + h.payloadType().getName() + ": "
                        + previous + " and " + h);
            }
        }
    }

    /**
     * Answers {@code query} with the handler for its class. The future fails with {@link NoQueryHandlerException}
     * when there is none or its answer is not a {@code responseType}, and with whatever the handler threw.
     */
    public <R> CompletableFuture<R> query(Object query, Class<R> responseType) {
        try {
            return CompletableFuture.completedFuture(answer(query, responseType));
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Opens a subscription query: its initial answer (as {@link #query}) and, until closed, every update emitted for a
     * query of its class that matches it and is an instance of {@code updateType}.
     */
    public <Q, I, U> SubscriptionQueryResult<I, U> subscriptionQuery(Q query, Class<I> initialType, Class<U> updateType) {
        Objects.requireNonNull(query, "query");
        Subscription<Q, I, U> s = new Subscription<>(query, updateType);
        subscriptions.add(s);          // before the initial answer: no update falls in between
        s.initial = query(query, initialType);
        return s;
    }

    @Override
    public <Q> void emit(Class<Q> queryType, Predicate<? super Q> filter, Object update) {
        Objects.requireNonNull(update, "update");
        for (Subscription<?, ?, ?> s : subscriptions) {
            if (queryType.isInstance(s.query) && s.updateType.isInstance(update)
                    && filter.test(queryType.cast(s.query))) {
                s.offer(update);
            }
        }
    }

    /** Open subscription queries. */
    public int openSubscriptions() {
        return subscriptions.size();
    }

    /** Subscribers failed because they fell {@link #UPDATE_BUFFER} updates behind. */
    public long droppedSubscribers() {
        return droppedSubscribers.get();
    }

    /** Completes every subscription's updates (at shutdown). */
    public void closeSubscriptions() {
        for (Subscription<?, ?, ?> s : subscriptions) {
            s.close();
        }
    }

    private <R> R answer(Object query, Class<R> responseType) throws Exception {
        Objects.requireNonNull(query, "query");
        HandlerMethod<QueryHandler> h = handlers.get(query.getClass());
        if (h == null) {
            h = HandlerMethod.find(List.copyOf(handlers.values()), query.getClass()).orElseThrow(() ->
                    new NoQueryHandlerException("no @QueryHandler for " + query.getClass().getName()));
        }
        Object result = h.invoke(query, type -> null);
        if (result != null && !responseType.isInstance(result)) {
            throw new NoQueryHandlerException(h + " answers " + result.getClass().getName() + ", not the requested "
                    + responseType.getName());
        }
        return responseType.cast(result);
    }

    private final class Subscription<Q, I, U> implements SubscriptionQueryResult<I, U> {
        final Q query;
        final Class<U> updateType;
        final SubmissionPublisher<U> publisher;
        volatile CompletableFuture<I> initial;

        Subscription(Q query, Class<U> updateType) {
            this.query = query;
            this.updateType = updateType;
            this.publisher = new SubmissionPublisher<>(updateExecutor, UPDATE_BUFFER);
        }

        void offer(Object update) {
            publisher.offer(updateType.cast(update), (subscriber, item) -> {
                // Fail the subscription rather than silently skip an update; closed off the emitting call.
                if (subscriptions.remove(this)) {
                    droppedSubscribers.incrementAndGet();
                    updateExecutor.execute(() -> publisher.closeExceptionally(new UpdateBufferOverflowException(
                            "a subscriber of " + query + " fell " + UPDATE_BUFFER + " updates behind")));
                }
                return false;
            });
        }

        @Override
        public CompletableFuture<I> initialResult() {
            return initial;
        }

        @Override
        public Flow.Publisher<U> updates() {
            return publisher;
        }

        @Override
        public void close() {
            subscriptions.remove(this);
            publisher.close();
        }
    }
}
