package io.cairn.sdk.runtime;

import io.cairn.log.store.EventStore;
import io.cairn.sdk.aggregate.AggregateDefinition;
import io.cairn.sdk.command.CommandGateway;
import io.cairn.sdk.command.CommandInterceptor;
import io.cairn.sdk.command.EventSourcingCommandGateway;
import io.cairn.sdk.command.NoHandlerException;
import io.cairn.sdk.processing.EventDecoder;
import io.cairn.sdk.processing.EventHandler;
import io.cairn.sdk.processing.EventHandlerBeans;
import io.cairn.sdk.processing.HandlerMethod;
import io.cairn.sdk.processing.InMemoryTokenStore;
import io.cairn.sdk.processing.LogTokenStore;
import io.cairn.sdk.processing.ProcessingGroup;
import io.cairn.sdk.processing.TokenStore;
import io.cairn.sdk.processing.TrackingProcessor;
import io.cairn.sdk.query.QueryGateway;
import io.cairn.sdk.query.QueryUpdateEmitter;
import io.cairn.sdk.saga.DeadlineHandler;
import io.cairn.sdk.saga.DeadlineManager;
import io.cairn.sdk.saga.LogDeadlineStore;
import io.cairn.sdk.saga.LogSagaStore;
import io.cairn.sdk.saga.SagaEventHandler;
import io.cairn.sdk.saga.SagaManager;
import io.cairn.sdk.serialization.EventSerializer;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;

/**
 * Everything of the domain SDK wired on one {@link EventStore}: the command gateway with its aggregates, the query
 * gateway with its handlers, one {@link TrackingProcessor} per processing group of event handlers and per saga type,
 * the saga managers and the deadline manager. Tokens, sagas and deadlines live in compacted topics of the same log
 * ({@value LogTokenStore#DEFAULT_TOPIC}, {@value LogSagaStore#DEFAULT_TOPIC}, {@value LogDeadlineStore#DEFAULT_TOPIC}),
 * so a runtime reopened on the same log continues where it stopped (docs/domain-runtime.md).
 *
 * <p>Lifecycle: {@link #builder} → {@link Builder#build()} (validates every handler, creates topics) →
 * {@link #start()} (loads sagas, arms deadlines, starts processors) → {@link #close()} (stops processors after their
 * current event, then deadlines). The event store itself belongs to the caller. Thread-safe after start.
 *
 * <p>Handler parameters after the first are resolved by type: {@link CommandGateway}, {@link QueryGateway},
 * {@link QueryUpdateEmitter}, {@link EventSerializer}, {@link Clock}, the current {@code EventMessage} and
 * {@code SagaContext}, and whatever was added with {@link Builder#resource}.
 */
public final class DomainRuntime implements AutoCloseable {

    public enum State { CREATED, RUNNING, CLOSED }

    private final CommandGateway commandGateway;
    private final EventSerializer serializer;
    private final QueryGateway queryGateway;
    private final DeadlineManager deadlines;
    private final Map<Class<?>, SagaManager> sagas;
    private final Map<String, TrackingProcessor> processors;
    private State state = State.CREATED;

    private DomainRuntime(Builder b) {
        EventSerializer serializer = b.serializer;
        EventSourcingCommandGateway.Builder gb = EventSourcingCommandGateway.builder(b.store).serializer(serializer)
                .partitions(b.partitions).retryOnConflict(b.retries).retryExecutor(b.executor);
        for (Object a : b.aggregates) {
            if (a instanceof Class<?> c) {
                gb.register(c);
            } else {
                gb.register((AggregateDefinition<?>) a);
            }
        }
        b.interceptors.forEach(gb::interceptor);
        // A runtime of only event handlers (a read model fed by another service's topics) has no aggregates.
        this.commandGateway = b.aggregates.isEmpty() ? new NoAggregates() : gb.build();
        this.serializer = serializer;
        this.queryGateway = new QueryGateway(b.executor);
        b.queryHandlers.forEach(queryGateway::register);

        Map<Class<?>, Object> resources = new HashMap<>();
        resources.put(CommandGateway.class, commandGateway);
        resources.put(QueryGateway.class, queryGateway);
        resources.put(QueryUpdateEmitter.class, queryGateway);
        resources.put(EventSerializer.class, serializer);
        resources.put(Clock.class, b.clock);
        resources.putAll(b.resources);          // the caller's win (e.g. a decorated command gateway)
        Function<Class<?>, Object> resolve = resources::get;

        ObjectMapper json = new ObjectMapper();
        this.deadlines = new DeadlineManager(new LogDeadlineStore(b.store, LogDeadlineStore.DEFAULT_TOPIC, json),
                b.clock, b.threadFactory);
        TokenStore durableTokens = new LogTokenStore(b.store);
        EventDecoder decoder = EventDecoder.of(serializer);
        Map<String, TrackingProcessor> ps = new LinkedHashMap<>();

        Map<String, List<Object>> groups = new LinkedHashMap<>();
        Map<String, Set<String>> groupTopics = new HashMap<>();
        Map<String, Boolean> groupInMemory = new HashMap<>();
        for (Object bean : b.eventHandlers) {
            ProcessingGroup g = bean.getClass().getAnnotation(ProcessingGroup.class);
            if (g == null) {
                throw new IllegalArgumentException(bean.getClass().getName()
                        + " has @EventHandler methods but no @ProcessingGroup naming its processor and topics");
            }
            groups.computeIfAbsent(g.value(), k -> new ArrayList<>()).add(bean);
            groupTopics.computeIfAbsent(g.value(), k -> new LinkedHashSet<>()).addAll(Arrays.asList(g.topics()));
            Boolean previous = groupInMemory.putIfAbsent(g.value(), g.inMemory());
            if (previous != null && previous != g.inMemory()) {
                throw new IllegalArgumentException("processing group " + g.value() + " mixes inMemory and durable beans");
            }
            registerPayloadTypes(serializer, HandlerMethod.scan(bean.getClass(), bean, EventHandler.class));
        }
        for (Map.Entry<String, List<Object>> g : groups.entrySet()) {
            List<String> topics = List.copyOf(groupTopics.get(g.getKey()));
            topics.forEach(t -> b.store.ensureTopic(t, b.partitions, false));
            TokenStore tokens = groupInMemory.get(g.getKey()) ? new InMemoryTokenStore() : durableTokens;
            ps.put(g.getKey(), new TrackingProcessor(g.getKey(), topics, b.store, tokens, decoder,
                    new EventHandlerBeans(g.getValue(), resolve), b.threadFactory, b.batchSize));
        }

        LogSagaStore sagaStore = new LogSagaStore(b.store, LogSagaStore.DEFAULT_TOPIC, json);
        Map<Class<?>, SagaManager> sm = new LinkedHashMap<>();
        for (Class<?> sagaClass : b.sagas) {
            SagaManager manager = new SagaManager(sagaClass, sagaStore, deadlines, resolve);
            registerPayloadTypes(serializer, HandlerMethod.scan(sagaClass, null, SagaEventHandler.class));
            HandlerMethod.scan(sagaClass, null, DeadlineHandler.class);   // validates them
            List<String> topics = List.of(manager.topics());
            topics.forEach(t -> b.store.ensureTopic(t, b.partitions, false));
            String name = "saga-" + sagaClass.getSimpleName();
            if (ps.containsKey(name)) {
                throw new IllegalArgumentException("two processors named " + name);
            }
            ps.put(name, new TrackingProcessor(name, topics, b.store, durableTokens, decoder, manager,
                    b.threadFactory, b.batchSize));
            sm.put(sagaClass, manager);
        }
        this.sagas = Map.copyOf(sm);
        this.processors = java.util.Collections.unmodifiableMap(ps);
    }

    private static void registerPayloadTypes(EventSerializer serializer, List<? extends HandlerMethod<?>> handlers) {
        for (HandlerMethod<?> h : handlers) {
            Class<?> t = h.payloadType();
            if (!t.isInterface() && t != Object.class && !java.lang.reflect.Modifier.isAbstract(t.getModifiers())) {
                serializer.register(t);
            }
        }
    }

    public static Builder builder(EventStore store) {
        return new Builder(store);
    }

    /** Loads sagas, arms deadlines and starts every processor. */
    public synchronized void start() {
        if (state != State.CREATED) {
            throw new IllegalStateException("runtime cannot start when " + state);
        }
        sagas.values().forEach(SagaManager::start);
        deadlines.start();
        processors.values().forEach(TrackingProcessor::start);
        state = State.RUNNING;
    }

    public synchronized State state() {
        return state;
    }

    public CommandGateway commandGateway() {
        return commandGateway;
    }

    public EventSerializer serializer() {
        return serializer;
    }

    public QueryGateway queryGateway() {
        return queryGateway;
    }

    public DeadlineManager deadlines() {
        return deadlines;
    }

    public Collection<TrackingProcessor> processors() {
        return processors.values();
    }

    public Optional<TrackingProcessor> processor(String name) {
        return Optional.ofNullable(processors.get(name));
    }

    /** The manager of a saga type registered with {@link Builder#saga}. */
    public SagaManager sagas(Class<?> sagaClass) {
        SagaManager m = sagas.get(sagaClass);
        if (m == null) {
            throw new IllegalArgumentException("no saga " + sagaClass.getName() + " in this runtime");
        }
        return m;
    }

    /** Stops the processors (each after its current event, tokens stored), then deadlines and subscriptions. */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        processors.values().forEach(TrackingProcessor::close);
        deadlines.close();
        queryGateway.closeSubscriptions();
        state = State.CLOSED;
    }

    /** The command gateway of a runtime without aggregates: every command has no handler. */
    private static final class NoAggregates implements CommandGateway {
        @Override
        public <R> R send(Object command) {
            throw new NoHandlerException(command.getClass(), List.of());
        }

        @Override
        public <R> R send(Object command, Map<String, String> metadata) {
            return send(command);
        }

        @Override
        public <R> java.util.concurrent.CompletableFuture<R> sendAsync(Object command) {
            return java.util.concurrent.CompletableFuture.failedFuture(
                    new NoHandlerException(command.getClass(), List.of()));
        }

        @Override
        public <R> java.util.concurrent.CompletableFuture<R> sendAsync(io.cairn.sdk.CommandMessage<?> command) {
            return sendAsync(command.payload());
        }
    }

    /** Collects the pieces; {@link #build()} checks them all before anything runs. Not thread-safe. */
    public static final class Builder {
        private final EventStore store;
        private EventSerializer serializer = new EventSerializer();
        private final List<Object> aggregates = new ArrayList<>();
        private final List<CommandInterceptor> interceptors = new ArrayList<>();
        private final List<Object> eventHandlers = new ArrayList<>();
        private final List<Object> queryHandlers = new ArrayList<>();
        private final List<Class<?>> sagas = new ArrayList<>();
        private final Map<Class<?>, Object> resources = new HashMap<>();
        private ThreadFactory threadFactory = r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        };
        private Executor executor = ForkJoinPool.commonPool();
        private Clock clock = Clock.systemUTC();
        private int partitions = 4;
        private int retries = 3;
        private int batchSize = 500;

        private Builder(EventStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        public Builder serializer(EventSerializer serializer) {
            this.serializer = Objects.requireNonNull(serializer, "serializer");
            return this;
        }

        /** An annotated aggregate class ({@code @Aggregate}). */
        public Builder aggregate(Class<?> aggregateClass) {
            aggregates.add(aggregateClass);
            return this;
        }

        /** An aggregate definition (functional, or annotated with changed settings). */
        public Builder aggregate(AggregateDefinition<?> definition) {
            aggregates.add(definition);
            return this;
        }

        public Builder interceptor(CommandInterceptor interceptor) {
            interceptors.add(interceptor);
            return this;
        }

        /** Retries of a command after a concurrency conflict (default 3). */
        public Builder retryOnConflict(int retries) {
            this.retries = retries;
            return this;
        }

        /** A bean with {@code @EventHandler} methods, its class annotated {@link ProcessingGroup}. */
        public Builder eventHandler(Object bean) {
            eventHandlers.add(bean);
            return this;
        }

        /** A bean with {@code @QueryHandler} methods. */
        public Builder queryHandler(Object bean) {
            queryHandlers.add(bean);
            return this;
        }

        /** A {@code @Saga} class. */
        public Builder saga(Class<?> sagaClass) {
            sagas.add(sagaClass);
            return this;
        }

        /** Something handlers may take as a parameter of type {@code type}. */
        public <T> Builder resource(Class<T> type, T value) {
            resources.put(type, type.cast(Objects.requireNonNull(value, "value")));
            return this;
        }

        /** Threads of processors and the deadline scheduler (in Liberty: the managed thread factory). */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /** Runs query update deliveries and command retries (default: the common pool). */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Partitions of topics the runtime creates (default 4). */
        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        /** Events a processor reads per step, and at most handles between two token stores (default 500). */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public DomainRuntime build() {
            return new DomainRuntime(this);
        }
    }
}
