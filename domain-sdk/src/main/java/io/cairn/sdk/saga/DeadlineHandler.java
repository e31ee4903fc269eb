package io.cairn.sdk.saga;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a saga method called when a deadline scheduled by the saga ({@link SagaContext#scheduleDeadline}) is due.
 * Its first parameter is the deadline's payload (matched by type).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface DeadlineHandler {

    /** The deadline name it handles; empty: any name whose payload type matches. */
    String deadlineName() default "";
}
