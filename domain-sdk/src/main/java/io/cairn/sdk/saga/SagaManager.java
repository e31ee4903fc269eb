package io.cairn.sdk.saga;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.sdk.EventMessage;
import io.cairn.sdk.processing.EventConsumer;
import io.cairn.sdk.processing.HandlerMethod;
import io.cairn.sdk.serialization.StateMapper;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Runs the sagas of one {@link Saga} class: routes events (from its tracking processor) and deadlines (from the
 * {@link DeadlineManager}) to the saga instances associated with them, creates instances on {@link StartSaga}
 * events, persists each instance after every handler in a {@link SagaStore}, and ends them.
 *
 * <p>Handling one event or deadline for one saga: load its state (JSON → a fresh instance), call the handler, save
 * the new state together with the event's position (conditional on the saga's version). An event whose position the
 * saga already recorded is skipped, so redelivery after a crash does not run a handler twice on the same state. A new
 * saga's id is derived from the position of the event that starts it ({@code <class>-<topic>-<partition>-<offset>}), so
 * a start event delivered again finds its saga (even an ended one) instead of starting a second.
 *
 * <p>Threads: events are handled under a lock of their association value, deadlines under one of their saga's id
 * (striped over 64 locks), so sagas with different values run in parallel. A saga reached through two of its
 * associations, or by an event and a deadline, at the same moment is still safe: saves are conditional on the
 * saga's version, and the loser fails with a conflict and is retried by its processor or the deadline manager.
 * The active sagas' entries and the association index are kept in memory, loaded by {@link #start()}.
 */
public final class SagaManager implements EventConsumer, DeadlineManager.Target {
    private static final Logger LOG = Logger.getLogger(SagaManager.class.getName());

    private final Class<?> sagaClass;
    private final String sagaType;
    private final SagaStore store;
    private final DeadlineManager deadlines;
    private final Function<Class<?>, Object> resources;
    private final StateMapper mapper = new StateMapper();
    private final List<HandlerMethod<SagaEventHandler>> eventHandlers;
    private final List<HandlerMethod<DeadlineHandler>> deadlineHandlers;
    private final Constructor<?> constructor;
    private final Map<String, SagaStore.Versioned> active = new ConcurrentHashMap<>();
    private final Map<Association, Set<String>> index = new ConcurrentHashMap<>();
    private final Map<String, Function<Object, Object>> properties = new ConcurrentHashMap<>();
    private final ReentrantLock[] locks = new ReentrantLock[64];

    public SagaManager(Class<?> sagaClass, SagaStore store, DeadlineManager deadlines,
                       Function<Class<?>, Object> resources) {
        if (!sagaClass.isAnnotationPresent(Saga.class)) {
            throw new IllegalArgumentException(sagaClass.getName() + " is not annotated @Saga");
        }
        this.sagaClass = sagaClass;
        this.sagaType = sagaClass.getName();
        this.store = Objects.requireNonNull(store, "store");
        this.deadlines = Objects.requireNonNull(deadlines, "deadlines");
        this.resources = Objects.requireNonNull(resources, "resources");
        this.eventHandlers = HandlerMethod.scan(sagaClass, null, SagaEventHandler.class);
        this.deadlineHandlers = HandlerMethod.scan(sagaClass, null, DeadlineHandler.class);
        if (eventHandlers.stream().noneMatch(h -> h.method().isAnnotationPresent(StartSaga.class))) {
            throw new IllegalArgumentException("saga " + sagaType + " has no @StartSaga @SagaEventHandler");
        }
        try {
            this.constructor = sagaClass.getDeclaredConstructor();
            constructor.setAccessible(true);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("saga " + sagaType + " needs a no-argument constructor", e);
        }
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    public Class<?> sagaClass() {
        return sagaClass;
    }

    public String[] topics() {
        return sagaClass.getAnnotation(Saga.class).topics();
    }

    /** Loads the active sagas and their associations, and takes this type's deadlines. */
    public void start() {
        active.clear();
        index.clear();
        active.putAll(store.loadActive(sagaType));
        active.values().forEach(v -> index(v.entry()));
        deadlines.register(sagaType, this);
    }

    /** The active sagas' stored entries. */
    public List<SagaEntry> activeSagas() {
        return active.values().stream().map(SagaStore.Versioned::entry).toList();
    }

    /** The state of an active saga as an instance of its class. */
    public <S> Optional<S> instance(String sagaId, Class<S> type) {
        SagaStore.Versioned v = active.get(sagaId);
        return v == null ? Optional.empty() : Optional.of(type.cast(toInstance(v.entry().state())));
    }

    /** Ids of the active sagas associated with {@code key=value}. */
    public Set<String> associated(String key, String value) {
        return Set.copyOf(index.getOrDefault(new Association(key, value), Set.of()));
    }

    @Override
    public boolean handles(Class<?> payloadClass) {
        return HandlerMethod.find(eventHandlers, payloadClass).isPresent();
    }

    @Override
    public void handle(EventMessage<?> event) throws Exception {
        Object payload = event.payload();
        String topic = event.topic();
        HandlerMethod<SagaEventHandler> h = HandlerMethod.find(eventHandlers, payload.getClass()).orElse(null);
        if (h == null) {
            return;
        }
        String property = h.annotation().associationProperty();
        Object value = property(payload, property);
        if (value == null) {
            return;     // e.g. a deposit outside any transfer: no saga can be associated with it
        }
        Association association = new Association(
                h.annotation().keyName().isEmpty() ? property : h.annotation().keyName(), value.toString());
        String position = topic + ":" + event.partition();
        boolean starts = h.method().isAnnotationPresent(StartSaga.class);
        String id = sagaClass.getSimpleName() + "-" + topic + "-" + event.partition() + "-" + event.offset();
        // Locked by association value: an event that a saga's own start handler caused (on another partition's
        // thread) waits until that saga is saved and indexed, instead of finding no saga and being dropped. A start
        // also holds the new saga's id: a deadline its handler scheduled, due before the saga is saved (a short one,
        // or a slow remote store), waits in onDeadline instead of finding no saga and being dropped.
        withLocks(association.key() + "=" + association.value(), starts ? id : null, () -> {
            Set<String> ids = associated(association.key(), association.value());
            if (ids.isEmpty() && starts) {
                if (!active.containsKey(id) && store.load(id).isEmpty()) {
                    run(id, null, Set.of(association), h, payload, event, position);
                }
                return;
            }
            for (String sagaId : ids) {
                SagaStore.Versioned v = active.get(sagaId);
                if (v != null && v.entry().handled().getOrDefault(position, -1L) < event.offset()) {
                    run(sagaId, v, v.entry().associations(), h, payload, event, position);
                }
            }
        });
    }

    @Override
    public void onDeadline(DeadlineEntry d) throws Exception {
        withLock(d.sagaId(), () -> {
            SagaStore.Versioned v = active.get(d.sagaId());
            if (v == null || !v.entry().deadlines().contains(d.deadlineId())) {
                return;     // saga ended, or deadline handled or cancelled before a crash
            }
            Object payload = mapper.fromTree(d.payload(), Class.forName(d.payloadType(), true,
                    sagaClass.getClassLoader()));
            HandlerMethod<DeadlineHandler> h = deadlineHandlers.stream()
                    .filter(m -> m.annotation().deadlineName().isEmpty() || m.annotation().deadlineName().equals(d.name()))
                    .filter(m -> m.payloadType().isInstance(payload))
                    .findFirst().orElse(null);
            Set<String> remaining = new HashSet<>(v.entry().deadlines());
            remaining.remove(d.deadlineId());
            SagaEntry withoutIt = new SagaEntry(v.entry().sagaId(), sagaType, v.entry().state(),
                    v.entry().associations(), v.entry().handled(), remaining, false);
            if (h == null) {
                LOG.warning(() -> "saga " + sagaType + " has no @DeadlineHandler for " + d.name() + " ("
                        + d.payloadType() + "); deadline " + d.deadlineId() + " dropped");
                save(new SagaStore.Versioned(withoutIt, v.version()), withoutIt);
                return;
            }
            run(d.sagaId(), new SagaStore.Versioned(withoutIt, v.version()), v.entry().associations(), h, payload,
                    null, null);
        });
    }

    private interface Body {
        void run() throws Exception;
    }

    /** Holds the locks of both keys (the second may be null), taken in stripe order so that no two callers deadlock. */
    private void withLocks(String key, String alsoKey, Body body) throws Exception {
        if (alsoKey == null) {
            withLock(key, body);
            return;
        }
        int a = (key.hashCode() & 0x7fffffff) % locks.length;
        int b = (alsoKey.hashCode() & 0x7fffffff) % locks.length;
        ReentrantLock first = locks[Math.min(a, b)];
        ReentrantLock second = locks[Math.max(a, b)];
        first.lock();
        try {
            second.lock(); // the same lock again when both keys share a stripe (reentrant)
            try {
                body.run();
            } finally {
                second.unlock();
            }
        } finally {
            first.unlock();
        }
    }

    private void withLock(String key, Body body) throws Exception {
        ReentrantLock lock = locks[(key.hashCode() & 0x7fffffff) % locks.length];
        lock.lock();
        try {
            body.run();
        } finally {
            lock.unlock();
        }
    }

    /** Calls the handler on the saga's state and saves the outcome (caller holds the saga's lock). */
    private void run(String sagaId, SagaStore.Versioned current, Set<Association> associations, HandlerMethod<?> h,
                     Object payload, EventMessage<?> event, String position) throws Exception {
        Object instance = current == null ? constructor.newInstance() : toInstance(current.entry().state());
        Context ctx = new Context(sagaId, associations,
                current == null ? Set.of() : current.entry().deadlines());
        h.invokeOn(instance, payload, type -> {
            if (type == SagaContext.class) {
                return ctx;
            }
            if (type == EventMessage.class) {
                return event;
            }
            return resources.apply(type);
        });
        boolean ended = ctx.ended || h.method().isAnnotationPresent(EndSaga.class);
        if (ended) {
            ctx.deadlines.forEach(deadlines::cancel);
            ctx.deadlines.clear();
        }
        Map<String, Long> handled = new HashMap<>(current == null ? Map.of() : current.entry().handled());
        if (position != null) {
            handled.put(position, event.offset());
        }
        JsonNode state = mapper.toTree(instance);
        save(current, new SagaEntry(sagaId, sagaType, state, ctx.associations, handled, ctx.deadlines, ended));
    }

    private void save(SagaStore.Versioned current, SagaEntry entry) {
        long version = store.save(entry, current == null ? SagaStore.NEW : current.version());
        SagaStore.Versioned old = active.get(entry.sagaId());
        if (old != null) {
            unindex(old.entry());
        }
        if (entry.ended()) {
            active.remove(entry.sagaId());
        } else {
            SagaStore.Versioned now = new SagaStore.Versioned(entry, version);
            active.put(entry.sagaId(), now);
            index(entry);
        }
    }

    private void index(SagaEntry e) {
        for (Association a : e.associations()) {
            index.computeIfAbsent(a, k -> ConcurrentHashMap.newKeySet()).add(e.sagaId());
        }
    }

    private void unindex(SagaEntry e) {
        for (Association a : e.associations()) {
            index.computeIfPresent(a, (k, ids) -> {
                ids.remove(e.sagaId());
                return ids.isEmpty() ? null : ids;
            });
        }
    }

    private Object toInstance(JsonNode state) {
        return mapper.fromTree(state, sagaClass);
    }

    /** The value of a record component, getter or field of the payload. */
    private Object property(Object payload, String name) {
        Class<?> c = payload.getClass();
        return properties.computeIfAbsent(c.getName() + "#" + name, k -> accessor(c, name)).apply(payload);
    }

    private static Function<Object, Object> accessor(Class<?> c, String name) {
        String cap = Character.toUpperCase(name.charAt(0)) + name.substring(1);
        for (String candidate : List.of(name, "get" + cap, "is" + cap)) {
            try {
                Method m = c.getMethod(candidate);
                if (m.getReturnType() != void.class && (candidate.equals(name) ? c.isRecord() : true)) {
                    m.setAccessible(true);
                    return o -> invoke(m, o);
                }
            } catch (NoSuchMethodException ignored) {
                // next candidate
            }
        }
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            try {
                Field f = k.getDeclaredField(name);
                f.setAccessible(true);
                return o -> {
                    try {
                        return f.get(o);
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                };
            } catch (NoSuchFieldException ignored) {
                // superclass
            }
        }
        throw new IllegalArgumentException("association property '" + name + "' is not a component, getter or field of "
                + c.getName());
    }

    private static Object invoke(Method m, Object o) {
        try {
            return m.invoke(o);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + m + ": " + e.getMessage(), e);
        }
    }

    private final class Context implements SagaContext {
        final String sagaId;
        final Set<Association> associations;
        final Set<String> deadlines;
        boolean ended;

        Context(String sagaId, Set<Association> associations, Set<String> deadlineIds) {
            this.sagaId = sagaId;
            this.associations = new HashSet<>(associations);
            this.deadlines = new HashSet<>(deadlineIds);
        }

        @Override
        public String sagaId() {
            return sagaId;
        }

        @Override
        public void associateWith(String key, String value) {
            associations.add(new Association(key, value));
        }

        @Override
        public void removeAssociation(String key, String value) {
            associations.remove(new Association(key, value));
        }

        @Override
        public String scheduleDeadline(Instant due, String name, Object payload) {
            Objects.requireNonNull(payload, "deadline payload");
            DeadlineEntry d = SagaManager.this.deadlines.schedule(sagaType, sagaId, name, due,
                    payload.getClass().getName(), mapper.toTree(payload));
            deadlines.add(d.deadlineId());
            return d.deadlineId();
        }

        @Override
        public void cancelDeadline(String deadlineId) {
            if (deadlines.remove(deadlineId)) {
                SagaManager.this.deadlines.cancel(deadlineId);
            }
        }

        @Override
        public void cancelAllDeadlines(String name) {
            List<String> named = new ArrayList<>();
            for (DeadlineEntry d : SagaManager.this.deadlines.scheduled()) {
                if (d.name().equals(name) && deadlines.contains(d.deadlineId())) {
                    named.add(d.deadlineId());
                }
            }
            named.forEach(this::cancelDeadline);
        }

        @Override
        public void end() {
            ended = true;
        }

        @Override
        public Instant now() {
            return SagaManager.this.deadlines.clock().instant();
        }
    }
}
