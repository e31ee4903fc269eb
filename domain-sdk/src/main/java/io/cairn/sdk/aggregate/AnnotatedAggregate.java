package io.cairn.sdk.aggregate;

import io.cairn.sdk.CommandMessage;
import io.cairn.sdk.command.CommandExecutionException;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The model of an aggregate class with {@link Aggregate}, {@link AggregateId}, {@link CommandHandler} and
 * {@link EventSourcingHandler} annotations, introspected once: every handler becomes a {@link MethodHandle} adapted
 * to an erased signature, looked up by the command or event class, so a call costs a map lookup and an
 * {@code invokeExact}, no reflection. Immutable and thread-safe; the instances it handles are not.
 *
 * @param <T> the aggregate class
 */
public final class AnnotatedAggregate<T> implements AggregateDefinition<T> {

    private static final MethodType EVENT_HANDLER = MethodType.methodType(void.class, Object.class, Object.class);
    private static final MethodType COMMAND_METHOD = MethodType.methodType(Object.class, Object.class, Object.class);
    private static final MethodType CONSTRUCTOR = MethodType.methodType(Object.class, Object.class);
    private static final MethodHandle NO_HANDLER = MethodHandles.empty(EVENT_HANDLER);

    private final Class<T> type;
    private final String topic;
    private final int snapshotEvery;
    private final MethodHandle noArgConstructor;
    private final MethodHandle idGetter;
    private final Map<Class<?>, MethodHandle> eventHandlers;
    private final Map<Class<?>, MethodHandle> eventHandlerCache;
    private final Map<Class<?>, MethodHandle> commandMethods;
    private final Map<Class<?>, MethodHandle> commandConstructors;

    private AnnotatedAggregate(AnnotatedAggregate<T> base, String topic, int snapshotEvery) {
        this.type = base.type;
        this.topic = topic;
        this.snapshotEvery = snapshotEvery;
        this.noArgConstructor = base.noArgConstructor;
        this.idGetter = base.idGetter;
        this.eventHandlers = base.eventHandlers;
        this.eventHandlerCache = base.eventHandlerCache;
        this.commandMethods = base.commandMethods;
        this.commandConstructors = base.commandConstructors;
    }

    private AnnotatedAggregate(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
        Aggregate annotation = type.getAnnotation(Aggregate.class);
        if (annotation == null) {
            throw new IllegalArgumentException(type.getName() + " is not annotated with @Aggregate");
        }
        this.topic = annotation.topic().isEmpty() ? kebab(type.getSimpleName()) : annotation.topic();
        this.snapshotEvery = checkSnapshotEvery(annotation.snapshotEvery());
        MethodHandles.Lookup lookup;
        try {
            lookup = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException("cannot access " + type.getName() + " (open its package to the SDK)", e);
        }
        try {
            Constructor<T> noArg = type.getDeclaredConstructor();
            this.noArgConstructor = lookup.unreflectConstructor(noArg).asType(MethodType.methodType(Object.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalArgumentException("aggregate " + type.getName()
                    + " needs a no-argument constructor (any visibility) to be loaded from its events", e);
        }
        this.idGetter = idGetter(type, lookup);
        Map<Class<?>, MethodHandle> events = new HashMap<>();
        Map<Class<?>, MethodHandle> methods = new HashMap<>();
        Map<Class<?>, MethodHandle> constructors = new HashMap<>();
        try {
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Method m : c.getDeclaredMethods()) {
                    if (m.isAnnotationPresent(EventSourcingHandler.class)) {
                        put(events, single(m), lookup.unreflect(m).asType(EVENT_HANDLER), m);
                    }
                    if (m.isAnnotationPresent(CommandHandler.class)) {
                        put(methods, single(m), lookup.unreflect(m).asType(COMMAND_METHOD), m);
                    }
                }
            }
            for (Constructor<?> k : type.getDeclaredConstructors()) {
                if (k.isAnnotationPresent(CommandHandler.class)) {
                    if (k.getParameterCount() != 1) {
                        throw new IllegalArgumentException("@CommandHandler constructor " + k + " must take exactly the command");
                    }
                    put(constructors, k.getParameterTypes()[0], lookup.unreflectConstructor(k).asType(CONSTRUCTOR), k);
                }
            }
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException("cannot access a handler of " + type.getName() + ": " + e.getMessage(), e);
        }
        for (Class<?> command : constructors.keySet()) {
            if (methods.containsKey(command)) {
                throw new IllegalArgumentException(type.getName() + " handles " + command.getName()
                        + " both in a constructor and in a method");
            }
        }
        for (Class<?> command : methods.keySet()) {
            if (!TargetIds.declared(command)) {
                throw new IllegalArgumentException("command " + command.getName() + " handled by " + type.getName()
                        + " needs a @TargetAggregateId field naming the aggregate");
            }
        }
        if (constructors.isEmpty()) {
            throw new IllegalArgumentException("aggregate " + type.getName()
                    + " has no @CommandHandler constructor: nothing can create it");
        }
        this.eventHandlers = Map.copyOf(events);
        this.eventHandlerCache = new ConcurrentHashMap<>(events);
        this.commandMethods = Map.copyOf(methods);
        this.commandConstructors = Map.copyOf(constructors);
    }

    /** The model of {@code type}; throws {@link IllegalArgumentException} naming what is wrong with the class. */
    public static <T> AnnotatedAggregate<T> of(Class<T> type) {
        return new AnnotatedAggregate<>(type);
    }

    @Override
    public AnnotatedAggregate<T> withTopic(String newTopic) {
        if (newTopic == null || newTopic.isBlank()) {
            throw new IllegalArgumentException("topic must not be blank");
        }
        return new AnnotatedAggregate<>(this, newTopic, snapshotEvery);
    }

    @Override
    public AnnotatedAggregate<T> withSnapshotEvery(int events) {
        return new AnnotatedAggregate<>(this, topic, checkSnapshotEvery(events));
    }

    @Override public String aggregateType() { return type.getSimpleName(); }
    @Override public String topic() { return topic; }
    @Override public int snapshotEvery() { return snapshotEvery; }
    @Override public Class<T> stateType() { return type; }

    @Override
    public Set<Class<?>> commandTypes() {
        Set<Class<?>> all = new LinkedHashSet<>(commandConstructors.keySet());
        all.addAll(commandMethods.keySet());
        return all;
    }

    @Override
    public Set<Class<?>> eventTypes() {
        return eventHandlers.keySet();
    }

    @Override
    public T initialState() {
        return null;
    }

    /** A blank instance from the no-argument constructor. */
    public T newInstance() {
        try {
            return type.cast((Object) noArgConstructor.invokeExact());
        } catch (Throwable t) {
            throw new IllegalStateException("no-argument constructor of " + type.getName() + " failed", t);
        }
    }

    @Override
    public T evolve(T state, Object event) {
        T instance = state == null ? newInstance() : state;
        applyEvent(instance, event);
        return instance;
    }

    void applyEvent(Object instance, Object event) {
        MethodHandle handler = eventHandlerCache.computeIfAbsent(event.getClass(), this::resolveEventHandler);
        if (handler == NO_HANDLER) {
            return;
        }
        try {
            handler.invokeExact(instance, event);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("event-sourcing handler of " + type.getSimpleName() + " for "
                    + event.getClass().getSimpleName() + " threw " + t, t);
        }
    }

    private MethodHandle resolveEventHandler(Class<?> eventType) {
        MethodHandle best = null;
        Class<?> bestType = null;
        for (Map.Entry<Class<?>, MethodHandle> e : eventHandlers.entrySet()) {
            if (e.getKey().isAssignableFrom(eventType) && (bestType == null || bestType.isAssignableFrom(e.getKey()))) {
                best = e.getValue();
                bestType = e.getKey();
            }
        }
        return best == null ? NO_HANDLER : best;
    }

    @Override
    public boolean createsAggregate(Class<?> commandType) {
        return commandConstructors.containsKey(commandType);
    }

    @Override
    public String targetAggregateId(Object command) {
        String id = TargetIds.of(command);
        if (id == null && !createsAggregate(command.getClass())) {
            throw new IllegalArgumentException("command " + command.getClass().getSimpleName()
                    + " has no target aggregate id (its @TargetAggregateId field is null)");
        }
        return id;
    }

    @Override
    public Decision<T> handle(T state, CommandMessage<?> message) {
        Object command = message.payload();
        Class<?> commandType = command.getClass();
        MethodHandle constructor = commandConstructors.get(commandType);
        MethodHandle method = constructor == null ? commandMethods.get(commandType) : null;
        if (constructor == null && method == null) {
            throw new IllegalArgumentException(type.getSimpleName() + " has no @CommandHandler for " + commandType.getName());
        }
        if (method != null && state == null) {
            throw new AggregateNotFoundException(aggregateType(), targetAggregateId(command), commandType.getSimpleName());
        }
        AggregateLifecycle.Context context = AggregateLifecycle.begin(this, constructor != null ? null : state);
        Object result;
        try {
            if (constructor != null) {
                Object created = constructor.invokeExact(command);
                context.created(created);
                result = null;
            } else {
                result = method.invokeExact((Object) state, command);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new CommandExecutionException(type.getSimpleName() + " failed to handle "
                    + commandType.getSimpleName() + ": " + t, t);
        } finally {
            AggregateLifecycle.end();
        }
        T instance = type.cast(context.instance());
        String id = idOf(instance);
        if (id == null) {
            throw new IllegalStateException(type.getSimpleName() + " has no id after handling " + commandType.getSimpleName()
                    + ": set the @AggregateId field in the event-sourcing handler of its creation event");
        }
        String target = TargetIds.of(command);
        if (target != null && !target.equals(id)) {
            throw new IllegalStateException(commandType.getSimpleName() + " targets aggregate " + target + " but "
                    + type.getSimpleName() + " has id " + id);
        }
        return new Decision<>(id, instance, context.events(), constructor != null ? id : result);
    }

    /** The value of the {@link AggregateId} field as a string, or null. */
    public String idOf(Object instance) {
        try {
            Object id = idGetter.invokeExact(instance);
            return id == null ? null : id.toString();
        } catch (Throwable t) {
            throw new IllegalStateException("cannot read the @AggregateId of " + type.getName(), t);
        }
    }

    private static MethodHandle idGetter(Class<?> type, MethodHandles.Lookup lookup) {
        Field found = null;
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.isAnnotationPresent(AggregateId.class)) {
                    if (found != null) {
                        throw new IllegalArgumentException(type.getName() + " has two @AggregateId fields");
                    }
                    found = f;
                }
            }
        }
        if (found == null || Modifier.isStatic(found.getModifiers())) {
            throw new IllegalArgumentException("aggregate " + type.getName() + " needs one non-static @AggregateId field");
        }
        try {
            return lookup.unreflectGetter(found).asType(MethodType.methodType(Object.class, Object.class));
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException("cannot read @AggregateId " + found, e);
        }
    }

    private static Class<?> single(Method m) {
        if (m.getParameterCount() != 1 || Modifier.isStatic(m.getModifiers())) {
            throw new IllegalArgumentException("handler " + m + " must be an instance method taking exactly one parameter");
        }
        return m.getParameterTypes()[0];
    }

    private static void put(Map<Class<?>, MethodHandle> map, Class<?> key, MethodHandle handle, Object member) {
        if (map.putIfAbsent(key, handle) != null) {
            throw new IllegalArgumentException("two handlers for " + key.getName() + " (one is " + member + ")");
        }
    }

    static int checkSnapshotEvery(int events) {
        if (events < 0) {
            throw new IllegalArgumentException("snapshotEvery must be >= 0 (0 = never), was " + events);
        }
        return events;
    }

    /** "BankAccount" to "bank-account". */
    static String kebab(String name) {
        StringBuilder out = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (Character.isUpperCase(ch)) {
                if (i > 0) {
                    out.append('-');
                }
                out.append(Character.toLowerCase(ch));
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "AnnotatedAggregate[" + type.getName() + ", topic " + topic + "]";
    }
}
