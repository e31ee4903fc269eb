package io.cairn.sdk.aggregate;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Handles a command: on a constructor it creates the aggregate, on a method it acts on an existing one. The single
 * parameter is the command; the command class routes to the handler (one handler per command class). A handler
 * validates, throws to reject (nothing is appended), and calls {@link AggregateLifecycle#apply} for each event.
 * A method's return value is the command's result; a constructor's result is the new aggregate's id.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.CONSTRUCTOR, ElementType.METHOD})
public @interface CommandHandler {
}
