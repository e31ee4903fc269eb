package io.cairn.sdk.processing;

import io.cairn.sdk.EventMessage;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The {@link EventHandler} methods of a processing group's beans as one {@link EventConsumer}: an event goes to each
 * bean's most specific handler for it, in registration order. Extra handler parameters are resolved from
 * {@code resources} (the {@link EventMessage} itself is always available).
 */
public final class EventHandlerBeans implements EventConsumer {
    private final List<List<HandlerMethod<EventHandler>>> perBean = new ArrayList<>();
    private final List<Object> beans = new ArrayList<>();
    private final Function<Class<?>, Object> resources;
    private final Map<Class<?>, Boolean> handled = new ConcurrentHashMap<>();

    public EventHandlerBeans(List<?> beans, Function<Class<?>, Object> resources) {
        this.resources = resources;
        for (Object bean : beans) {
            List<HandlerMethod<EventHandler>> methods = HandlerMethod.scan(bean.getClass(), bean, EventHandler.class);
            if (methods.isEmpty()) {
                throw new IllegalArgumentException(bean.getClass().getName() + " has no @EventHandler method");
            }
            this.beans.add(bean);
            perBean.add(methods);
        }
    }

    @Override
    public boolean handles(Class<?> payloadClass) {
        return handled.computeIfAbsent(payloadClass,
                c -> perBean.stream().anyMatch(ms -> HandlerMethod.find(ms, c).isPresent()));
    }

    @Override
    public void handle(EventMessage<?> event) throws Exception {
        for (List<HandlerMethod<EventHandler>> methods : perBean) {
            Optional<HandlerMethod<EventHandler>> h = HandlerMethod.find(methods, event.payload().getClass());
            if (h.isPresent()) {
                h.get().invoke(event.payload(), type -> type == EventMessage.class ? event : resources.apply(type));
            }
        }
    }

    @Override
    public void onReset() throws Exception {
        for (Object bean : beans) {
            for (Class<?> c = bean.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                for (Method m : c.getDeclaredMethods()) {
                    if (m.isAnnotationPresent(ResetHandler.class)) {
                        if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())) {
                            throw new IllegalArgumentException("@ResetHandler " + m + " must be an instance method without parameters");
                        }
                        m.setAccessible(true);
                        try {
                            m.invoke(bean);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause() instanceof Exception ex ? ex : e;
                        }
                    }
                }
            }
        }
    }
}
