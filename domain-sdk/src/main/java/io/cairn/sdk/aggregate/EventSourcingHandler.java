package io.cairn.sdk.aggregate;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Applies an event to the aggregate's fields: the only place state changes. The single parameter is the event; it
 * runs when a command handler applies the event and when the aggregate is loaded from its events. No checks, no
 * side effects: past events are facts.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface EventSourcingHandler {
}
