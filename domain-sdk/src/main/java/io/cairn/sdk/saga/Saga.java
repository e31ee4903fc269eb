package io.cairn.sdk.saga;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a saga class: a long-running process that reacts to events with {@link SagaEventHandler}s and to deadlines
 * with {@link DeadlineHandler}s, usually by sending commands. Instances are created by the runtime with the class's
 * no-argument constructor; their non-transient fields are the saga's state, persisted as JSON (Jackson, by field)
 * after every handled event. Resources (a command gateway, the {@link SagaContext}) come as handler parameters, never
 * as fields.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Saga {

    /** The topics holding the events the saga handles (read by its own tracking processor, {@code saga-<class>}). */
    String[] topics();
}
