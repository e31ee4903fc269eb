package io.cairn.sdk.aggregate;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link #apply} for command handlers of annotated aggregates. The gateway (or test fixture) sets up the context on
 * the handling thread; outside a command handler, {@code apply} fails.
 *
 * <p>Within a method handler, {@code apply} runs the event-sourcing handler at once, so later checks in the same
 * handler see the new state. Within a constructor the instance does not exist yet: events are queued and applied,
 * in order, as soon as the constructor returns.
 */
public final class AggregateLifecycle {

    private static final ThreadLocal<Context> CURRENT = new ThreadLocal<>();

    private AggregateLifecycle() {
    }

    /** Records {@code event} as a new event of the aggregate handling the current command and applies it. */
    public static void apply(Object event) {
        Context context = CURRENT.get();
        if (context == null) {
            throw new IllegalStateException("AggregateLifecycle.apply(" + (event == null ? "null" : event.getClass().getSimpleName())
                    + ") called outside a command handler (event-sourcing handlers must not apply events)");
        }
        if (event == null) {
            throw new IllegalArgumentException("apply(null): an event must not be null");
        }
        context.apply(event);
    }

    /** Per-command state: the instance (null while its constructor runs) and the events applied so far. */
    static final class Context {
        private final AnnotatedAggregate<?> model;
        private Object instance;
        private final List<Object> events = new ArrayList<>(2);
        private int applied;
        private boolean applying;

        Context(AnnotatedAggregate<?> model, Object instance) {
            this.model = model;
            this.instance = instance;
        }

        void apply(Object event) {
            events.add(event);
            if (instance != null && !applying) {
                drain();
            }
        }

        /** Called once the constructor has returned. */
        void created(Object newInstance) {
            instance = newInstance;
            drain();
        }

        private void drain() {
            applying = true;
            try {
                while (applied < events.size()) {
                    model.applyEvent(instance, events.get(applied++));
                }
            } finally {
                applying = false;
            }
        }

        List<Object> events() {
            return events;
        }

        Object instance() {
            return instance;
        }
    }

    static Context begin(AnnotatedAggregate<?> model, Object instance) {
        if (CURRENT.get() != null) {
            throw new IllegalStateException("a command handler is already running on this thread; commands must not"
                    + " be sent synchronously from inside a command handler");
        }
        Context context = new Context(model, instance);
        CURRENT.set(context);
        return context;
    }

    static void end() {
        CURRENT.remove();
    }
}
