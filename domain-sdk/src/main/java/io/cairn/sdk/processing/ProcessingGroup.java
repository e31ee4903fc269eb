package io.cairn.sdk.processing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Puts a bean's {@link EventHandler}s into a tracking processor: every bean with the same {@link #value} shares one
 * processor (one token per topic partition, one thread per topic partition), which reads the union of their
 * {@link #topics}. The processor's name is what its tokens are stored under: renaming it replays from the start.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ProcessingGroup {

    /** The processor's name (letters, digits, {@code . _ -}). */
    String value();

    /** The topics the handlers read (aggregate topics or any topic holding events). */
    String[] topics();

    /**
     * True when the handlers keep their state in memory: the processor's tokens are then kept in memory too, so it
     * replays its topics from the start whenever the runtime starts (a durable token would skip the events that
     * rebuilt the lost state).
     */
    boolean inMemory() default false;
}
