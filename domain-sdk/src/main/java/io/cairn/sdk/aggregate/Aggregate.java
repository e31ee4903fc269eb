package io.cairn.sdk.aggregate;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an event-sourced aggregate class. It needs a no-argument constructor (any visibility, used to replay events
 * and read snapshots), one {@link AggregateId} field, {@link CommandHandler}s and {@link EventSourcingHandler}s.
 * Command handlers decide and call {@link AggregateLifecycle#apply}; only event-sourcing handlers change fields
 * (the test fixture checks this by replaying).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Aggregate {

    /** The topic holding this aggregate type's events; default: the class's simple name in kebab case. */
    String topic() default "";

    /** Take a snapshot every this many events (into {@code <topic>-snapshots}); 0 = never. */
    int snapshotEvery() default 0;
}
