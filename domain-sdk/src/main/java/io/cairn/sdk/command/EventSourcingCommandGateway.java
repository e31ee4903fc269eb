package io.cairn.sdk.command;

import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventHeaders;
import io.cairn.log.store.EventStore;
import io.cairn.sdk.CommandMessage;
import io.cairn.sdk.aggregate.AggregateDefinition;
import io.cairn.sdk.aggregate.AnnotatedAggregate;
import io.cairn.sdk.aggregate.Decision;
import io.cairn.sdk.aggregate.EventSourcedRepository;
import io.cairn.sdk.aggregate.LoadedAggregate;
import io.cairn.sdk.serialization.EventSerializer;
import io.cairn.sdk.serialization.StateMapper;
import io.cairn.sdk.serialization.Upcaster;
import io.cairn.sdk.snapshot.SnapshotStore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.time.Duration;

/**
 * The command gateway on an {@link EventStore}: intercept, route by command class, load (snapshot + later events),
 * decide, append with the loaded last sequence as the expected one, optionally retry on a conflict.
 *
 * <p>Threads: interceptors, loading and the handler run on the sending thread. For {@link #sendAsync} the append is
 * asynchronous ({@link EventStore#appendAsync}), so the sender holds no thread while its events wait for the log's
 * group commit (many in-flight commands share one fsync), and a retry after a conflict runs on the retry executor
 * (the common pool by default), never on the store's completion thread. {@link #send} appends synchronously on the
 * sending thread and retries there: no thread switch per command. Recently used aggregate states are cached
 * (taken out by one command at a time, used only while the store's last sequence still matches), so a command on a
 * busy aggregate usually skips the load; several gateways (in several processes) can still share aggregates — the
 * expected-sequence condition, not a lock, keeps them consistent (see docs/domain-sdk.md).
 *
 * <p>Events get metadata: the command's metadata, {@code correlationId} (the command's, or its id when it has none)
 * and {@code causationId} (the command's id). When the new events cross a multiple of the aggregate's
 * {@code snapshotEvery}, the state is written as a snapshot after the append succeeded.
 *
 * <p>Thread-safe; build once with {@link #builder(EventStore)}.
 */
public final class EventSourcingCommandGateway implements CommandGateway {

    private final EventStore store;
    private final EventSerializer serializer;
    private final SnapshotStore snapshots;
    private final Map<Class<?>, EventSourcedRepository<?>> routes;
    private final Map<String, EventSourcedRepository<?>> byTopic;
    private final List<CommandInterceptor> interceptors;
    private final int maxRetries;
    private final Executor retryExecutor;
    private final AggregateCache cache;
    private final long sendTimeoutMillis;

    private EventSourcingCommandGateway(Builder b) {
        this.sendTimeoutMillis = b.sendTimeout.toMillis();
        this.cache = new AggregateCache(b.cacheSize);
        this.store = b.store;
        this.serializer = b.serializer;
        this.snapshots = new SnapshotStore(b.store, new StateMapper(), b.partitions);
        this.interceptors = List.copyOf(b.interceptors);
        this.maxRetries = b.maxRetries;
        this.retryExecutor = b.retryExecutor;
        Map<Class<?>, EventSourcedRepository<?>> r = new HashMap<>();
        Map<String, EventSourcedRepository<?>> t = new LinkedHashMap<>();
        for (AggregateDefinition<?> definition : b.definitions) {
            EventSourcedRepository<?> repository = new EventSourcedRepository<>(definition, store, serializer, snapshots);
            if (t.putIfAbsent(definition.topic(), repository) != null) {
                throw new IllegalArgumentException("two aggregates registered on topic " + definition.topic());
            }
            for (Class<?> command : definition.commandTypes()) {
                EventSourcedRepository<?> previous = r.putIfAbsent(command, repository);
                if (previous != null) {
                    throw new IllegalArgumentException("command " + command.getName() + " is handled by both "
                            + previous.definition() + " and " + definition);
                }
            }
            store.ensureTopic(definition.topic(), b.partitions, false);
        }
        this.routes = Map.copyOf(r);
        this.byTopic = Map.copyOf(t);
    }

    /** Starts a gateway on {@code store}. */
    public static Builder builder(EventStore store) {
        return new Builder(store);
    }

    /** The serializer (register upcasters and extra event classes on it). */
    public EventSerializer serializer() {
        return serializer;
    }

    /** The repository of the aggregate type stored in {@code topic}. */
    @SuppressWarnings("unchecked")
    public <S> EventSourcedRepository<S> repository(String topic) {
        EventSourcedRepository<?> repository = byTopic.get(topic);
        if (repository == null) {
            throw new IllegalArgumentException("no aggregate registered on topic " + topic + "; known: " + byTopic.keySet());
        }
        return (EventSourcedRepository<S>) repository;
    }

    /**
     * {@inheritDoc}
     *
     * @throws CommandTimeoutException when no outcome arrived within the gateway's send timeout
     */
    @Override
    public <R> R send(Object command) {
        return sendSync(CommandMessage.of(command));
    }

    @Override
    public <R> R send(Object command, Map<String, String> metadata) {
        return sendSync(CommandMessage.of(command, metadata));
    }

    /**
     * The synchronous send runs the whole command on the calling thread, the append included: the store's
     * synchronous append fsyncs inline (or parks until the fsync that covers it wakes it), so a command crosses no
     * thread on its way (see docs/event-store.md). The send timeout bounds the wait for the append's outcome
     * ({@link EventStore#append(String, String, long, List, long)}).
     */
    @SuppressWarnings("unchecked")
    private <R> R sendSync(CommandMessage<?> command) {
        CommandMessage<?> message = Objects.requireNonNull(command, "command");
        for (CommandInterceptor interceptor : interceptors) {
            message = Objects.requireNonNull(interceptor.intercept(message), "an interceptor returned null");
        }
        EventSourcedRepository<?> repository = routes.get(message.payloadType());
        if (repository == null) {
            throw new NoHandlerException(message.payloadType(),
                    routes.keySet().stream().map(Class::getSimpleName).sorted().toList());
        }
        for (int attempt = 0; ; attempt++) {
            try {
                return (R) attemptSync(repository, message);
            } catch (ConcurrencyConflictException conflict) {
                if (repository.definition().createsAggregate(message.payload().getClass()) || attempt >= maxRetries) {
                    throw conflict;
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) { // a checked exception thrown by a handler: as the asynchronous path reports it
                throw new CommandExecutionException("command failed: " + e, e);
            }
        }
    }

    /** One try of a command, the append synchronous: the result, or the store's exception. */
    private <S> Object attemptSync(EventSourcedRepository<S> repository, CommandMessage<?> message) {
        Prepared<S> p = prepare(repository, message);
        if (p.events == null) {
            return p.decision.result();
        }
        try {
            store.append(p.topic, p.decision.aggregateId(), p.expected, p.events, sendTimeoutMillis);
        } catch (TimeoutException e) {
            throw new CommandTimeoutException("no outcome within " + sendTimeoutMillis + " ms: the command may or may not"
                    + " have been appended (its events carry its id as causationId)", e);
        }
        appended(p);
        return p.decision.result();
    }

    @Override
    public <R> CompletableFuture<R> sendAsync(Object command) {
        return sendAsync(CommandMessage.of(command));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> CompletableFuture<R> sendAsync(CommandMessage<?> command) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        try {
            CommandMessage<?> message = Objects.requireNonNull(command, "command");
            for (CommandInterceptor interceptor : interceptors) {
                message = Objects.requireNonNull(interceptor.intercept(message), "an interceptor returned null");
            }
            EventSourcedRepository<?> repository = routes.get(message.payloadType());
            if (repository == null) {
                throw new NoHandlerException(message.payloadType(),
                        routes.keySet().stream().map(Class::getSimpleName).sorted().toList());
            }
            attempt(repository, message, 0, result);
        } catch (Throwable e) {
            result.completeExceptionally(e);
        }
        return (CompletableFuture<R>) result;
    }

    /** A decided command: its events serialized (null when it decided none), ready to append. */
    private record Prepared<S>(String topic, Decision<S> decision, boolean creates, long expected, long newLast,
                               List<EventData> events, EventData snapshot) {
    }

    /** Loads (or takes from the cache), decides and serializes; a command deciding no event is done here. */
    private <S> Prepared<S> prepare(EventSourcedRepository<S> repository, CommandMessage<?> message) {
        AggregateDefinition<S> definition = repository.definition();
        Object command = message.payload();
        boolean creates = definition.createsAggregate(command.getClass());
        String target = definition.targetAggregateId(command);
        LoadedAggregate<S> loaded = creates
                ? new LoadedAggregate<>(target, definition.initialState(), EventStore.NEW_AGGREGATE, false, 0)
                : load(repository, target);
        Decision<S> decision = definition.handle(loaded.state(), message);
        if (decision.events().isEmpty()) {
            cache.put(definition.topic(), decision.aggregateId(), decision.state(), loaded.lastSequence());
            return new Prepared<>(definition.topic(), decision, creates, loaded.lastSequence(), loaded.lastSequence(),
                    null, null);
        }
        Map<String, String> metadata = eventMetadata(message);
        List<EventData> events = new ArrayList<>(decision.events().size());
        for (Object event : decision.events()) {
            events.add(serializer.serialize(event, metadata));
        }
        long expected = loaded.lastSequence();
        long newLast = expected + events.size();
        int every = definition.snapshotEvery();
        EventData snapshot = every > 0 && (newLast + 1) / every > (expected + 1) / every
                ? snapshots.toRecord(decision.state(), newLast) : null;
        return new Prepared<>(definition.topic(), decision, creates, expected, newLast, events, snapshot);
    }

    /** After a successful append: caches the new state and writes the snapshot if one is due. */
    private <S> void appended(Prepared<S> p) {
        cache.put(p.topic, p.decision.aggregateId(), p.decision.state(), p.newLast);
        if (p.snapshot != null) {
            snapshots.storeAsync(p.topic, p.decision.aggregateId(), p.snapshot);
        }
    }

    private <S> void attempt(EventSourcedRepository<S> repository, CommandMessage<?> message, int attempt,
                             CompletableFuture<Object> result) {
        Prepared<S> p = prepare(repository, message);
        if (p.events == null) {
            result.complete(p.decision.result());
            return;
        }
        boolean creates = p.creates;
        Decision<S> decision = p.decision;
        store.appendAsync(p.topic, decision.aggregateId(), p.expected, p.events).whenComplete((appended, failure) -> {
            if (failure == null) {
                appended(p);
                result.complete(decision.result());
                return;
            }
            Throwable cause = unwrap(failure);
            if (cause instanceof ConcurrencyConflictException && !creates && attempt < maxRetries) {
                retryExecutor.execute(() -> {
                    try {
                        attempt(repository, message, attempt + 1, result);
                    } catch (Throwable e) {
                        result.completeExceptionally(e);
                    }
                });
            } else {
                result.completeExceptionally(cause);
            }
        });
    }

    /** The cached state if it is still the latest (checked against the store's index), else a load. */
    @SuppressWarnings("unchecked")
    private <S> LoadedAggregate<S> load(EventSourcedRepository<S> repository, String aggregateId) {
        String topic = repository.definition().topic();
        AggregateCache.Entry cached = cache.checkout(topic, aggregateId);
        if (cached != null && store.lastSequence(topic, aggregateId) == cached.lastSequence()) {
            return new LoadedAggregate<>(aggregateId, (S) cached.state(), cached.lastSequence(), false, 0);
        }
        return repository.load(aggregateId);
    }

    private static Map<String, String> eventMetadata(CommandMessage<?> message) {
        Map<String, String> metadata = new HashMap<>(message.metadata());
        metadata.putIfAbsent(EventHeaders.CORRELATION_KEY, message.commandId());
        metadata.put(EventHeaders.CAUSATION_KEY, message.commandId());
        return metadata;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static <R> R join(CompletableFuture<R> future, long timeoutMillis) {
        try {
            return future.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new CommandTimeoutException("no outcome within " + timeoutMillis + " ms: the command may or may not"
                    + " have been appended (its events carry its id as causationId)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandTimeoutException("interrupted while waiting for the command's outcome", e);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new CommandExecutionException("command failed: " + cause, cause);
        }
    }

    /** Configures a gateway. Not thread-safe. */
    public static final class Builder {
        private final EventStore store;
        private EventSerializer serializer = new EventSerializer();
        private final List<AggregateDefinition<?>> definitions = new ArrayList<>();
        private final List<CommandInterceptor> interceptors = new ArrayList<>(List.of(CommandInterceptor.validation()));
        private int maxRetries;
        private Executor retryExecutor = ForkJoinPool.commonPool();
        private int partitions = 4;
        private int cacheSize = 10_000;
        private Duration sendTimeout = Duration.ofSeconds(60);
        private final List<Upcaster> upcasters = new ArrayList<>();

        private Builder(EventStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** The serializer to use (default: a new {@link EventSerializer}). */
        public Builder serializer(EventSerializer serializer) {
            this.serializer = Objects.requireNonNull(serializer, "serializer");
            return this;
        }

        /** Registers an annotated aggregate class with its {@code @Aggregate} settings. */
        public Builder register(Class<?> aggregateClass) {
            return register(AnnotatedAggregate.of(aggregateClass));
        }

        /** Registers an aggregate definition (annotated with changed settings, or functional). */
        public Builder register(AggregateDefinition<?> definition) {
            definitions.add(Objects.requireNonNull(definition, "definition"));
            return this;
        }

        /** Registers an upcaster on the gateway's serializer (see {@link Upcaster}). */
        public Builder upcaster(Upcaster upcaster) {
            upcasters.add(Objects.requireNonNull(upcaster, "upcaster"));
            return this;
        }

        /** How long the synchronous {@code send} waits for an outcome (default 60 s). */
        public Builder sendTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("sendTimeout must be positive, was " + timeout);
            }
            this.sendTimeout = timeout;
            return this;
        }

        /** Adds an interceptor after the ones added so far (validation of {@link Validatable} commands is first). */
        public Builder interceptor(CommandInterceptor interceptor) {
            interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        /**
         * On a concurrency conflict, reload and re-run the command up to {@code retries} more times (default 0:
         * the conflict goes to the sender). Creation commands are never retried: a conflict means the id is taken.
         */
        public Builder retryOnConflict(int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("retries must be >= 0, was " + retries);
            }
            this.maxRetries = retries;
            return this;
        }

        /** Where retries run (default: the common pool; in Liberty, a managed executor). */
        public Builder retryExecutor(Executor executor) {
            this.retryExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Partitions for aggregate and snapshot topics this gateway creates (default 4). */
        public Builder partitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
            }
            this.partitions = partitions;
            return this;
        }

        /**
         * How many aggregate states to keep between commands (default 10,000; 0 = load every aggregate for every
         * command). A cached state is used only while the store's last sequence for the aggregate still matches.
         */
        public Builder cacheSize(int aggregates) {
            if (aggregates < 0) {
                throw new IllegalArgumentException("cacheSize must be >= 0, was " + aggregates);
            }
            this.cacheSize = aggregates;
            return this;
        }

        public EventSourcingCommandGateway build() {
            if (definitions.isEmpty()) {
                throw new IllegalStateException("no aggregate registered");
            }
            upcasters.forEach(serializer::register);
            return new EventSourcingCommandGateway(this);
        }
    }
}
