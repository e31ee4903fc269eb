package io.cairn.sdk.saga;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a saga method that handles an event (its first parameter, matched by type). The event reaches the sagas
 * associated with the value of its {@link #associationProperty} (a record component, getter or field of the event)
 * under the key {@link #keyName} (default: the property name).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface SagaEventHandler {

    String associationProperty();

    /** The association key; empty means the property name. */
    String keyName() default "";
}
