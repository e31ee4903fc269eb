package io.cairn.sdk.processing;

import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One annotated handler method of a bean: its first parameter is the message (event, query, deadline payload) it
 * handles, matched by type; any further parameters are resources resolved by their type when it is called (for
 * example the {@code StoredEvent} being handled, a {@code CommandGateway}, a saga's {@code SagaContext}).
 *
 * <p>Shared by event handlers, query handlers and sagas. Thread-safe (immutable); the bean's own thread safety is the
 * bean's business.
 */
public final class HandlerMethod<A extends Annotation> {
    private final Object target;
    private final Method method;
    private final A annotation;
    private final Class<?> payloadType;

    private HandlerMethod(Object target, Method method, A annotation) {
        this.target = target;
        this.method = method;
        this.annotation = annotation;
        this.payloadType = box(method.getParameterTypes()[0]);
        method.setAccessible(true);
    }

    /**
     * The methods of {@code type} (and its superclasses) annotated with {@code annotation}, bound to {@code target}
     * (null when they will be called on several instances, as for sagas). Most specific payload types first, so the
     * first match of {@link #find} is the closest.
     *
     * @throws IllegalArgumentException for an annotated method without parameters or static
     */
    public static <A extends Annotation> List<HandlerMethod<A>> scan(Class<?> type, Object target, Class<A> annotation) {
        List<HandlerMethod<A>> found = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                A a = m.getAnnotation(annotation);
                if (a == null || m.isBridge() || m.isSynthetic()) {
                    continue;
                }
                if (m.getParameterCount() == 0 || Modifier.isStatic(m.getModifiers())) {
                    throw new IllegalArgumentException("@" + annotation.getSimpleName() + " method " + describe(m)
                            + " must be an instance method whose first parameter is the message");
                }
                found.add(new HandlerMethod<>(target, m, a));
            }
        }
        found.sort(Comparator.comparingInt(h -> -depth(h.payloadType)));
        return List.copyOf(found);
    }

    /** The first handler (most specific) that takes {@code payloadClass}. */
    public static <A extends Annotation> Optional<HandlerMethod<A>> find(List<HandlerMethod<A>> handlers,
                                                                         Class<?> payloadClass) {
        for (HandlerMethod<A> h : handlers) {
            if (h.payloadType.isAssignableFrom(payloadClass)) {
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }

    public Class<?> payloadType() {
        return payloadType;
    }

    public A annotation() {
        return annotation;
    }

    public Method method() {
        return method;
    }

    public Object target() {
        return target;
    }

    /** Calls the method on its bound target. */
    public Object invoke(Object payload, Function<Class<?>, Object> resources) throws Exception {
        return invokeOn(target, payload, resources);
    }

    /**
     * Calls the method on {@code instance}; a parameter after the first gets {@code resources.apply(its type)}, which
     * must not be null. Exceptions the method throws come out unwrapped.
     */
    public Object invokeOn(Object instance, Object payload, Function<Class<?>, Object> resources) throws Exception {
        Objects.requireNonNull(instance, "instance");
        Class<?>[] types = method.getParameterTypes();
        Object[] args = new Object[types.length];
        args[0] = payload;
        for (int i = 1; i < types.length; i++) {
            Object r = resources.apply(types[i]);
            if (r == null) {
                throw new IllegalStateException("no " + types[i].getName() + " to pass to " + describe(method));
            }
            args[i] = r;
        }
        try {
            return method.invoke(instance, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return describe(method);
    }

    static String describe(Method m) {
        return m.getDeclaringClass().getSimpleName() + "." + m.getName() + "(" + m.getParameterTypes()[0].getSimpleName()
                + (m.getParameterCount() > 1 ? ", ..." : "") + ")";
    }

    private static int depth(Class<?> c) {
        if (c.isInterface()) {
            return 0;
        }
        int d = 1;
        for (Class<?> s = c.getSuperclass(); s != null; s = s.getSuperclass()) {
            d++;
        }
        return d;
    }

    private static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        if (c == int.class) return Integer.class;
        if (c == long.class) return Long.class;
        if (c == boolean.class) return Boolean.class;
        if (c == double.class) return Double.class;
        if (c == float.class) return Float.class;
        if (c == short.class) return Short.class;
        if (c == byte.class) return Byte.class;
        if (c == char.class) return Character.class;
        return Void.class;
    }
}
