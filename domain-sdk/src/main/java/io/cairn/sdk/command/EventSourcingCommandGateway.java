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

/**
 * The command gateway on an {@link EventStore}: intercept, route by command class, load (snapshot + later events),
 * decide, append with the loaded last sequence as the expected one, optionally retry on a conflict.
 *
 * <p>Threads: interceptors, loading and the handler run on the sending thread; the append is asynchronous
 * ({@link EventStore#appendAsync}), so a sender of {@link #sendAsync} holds no thread while its events wait for the
 * log's group commit (many in-flight commands share one fsync). A retry after a conflict runs on the retry executor
 * (the common pool by default), never on the store's completion thread. No state is cached between commands: each
 * attempt loads the aggregate afresh, so several gateways (in several processes) can share aggregates safely —
 * the expected-sequence condition, not a lock, keeps them consistent (see docs/domain-sdk.md).
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

    private EventSourcingCommandGateway(Builder b) {
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

    @Override
    public <R> R send(Object command) {
        return join(sendAsync(CommandMessage.of(command)));
    }

    @Override
    public <R> R send(Object command, Map<String, String> metadata) {
        return join(sendAsync(CommandMessage.of(command, metadata)));
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

    private <S> void attempt(EventSourcedRepository<S> repository, CommandMessage<?> message, int attempt,
                             CompletableFuture<Object> result) {
        AggregateDefinition<S> definition = repository.definition();
        Object command = message.payload();
        boolean creates = definition.createsAggregate(command.getClass());
        String target = definition.targetAggregateId(command);
        LoadedAggregate<S> loaded = creates
                ? new LoadedAggregate<>(target, definition.initialState(), EventStore.NEW_AGGREGATE, false, 0)
                : repository.load(target);
        Decision<S> decision = definition.handle(loaded.state(), message);
        if (decision.events().isEmpty()) {
            result.complete(decision.result());
            return;
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
        store.appendAsync(definition.topic(), decision.aggregateId(), expected, events).whenComplete((appended, failure) -> {
            if (failure == null) {
                if (snapshot != null) {
                    snapshots.storeAsync(definition.topic(), decision.aggregateId(), snapshot);
                }
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

    private static <R> R join(CompletableFuture<R> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
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

        public EventSourcingCommandGateway build() {
            if (definitions.isEmpty()) {
                throw new IllegalStateException("no aggregate registered");
            }
            return new EventSourcingCommandGateway(this);
        }
    }
}
