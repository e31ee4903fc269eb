package io.cairn.sdk.processing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method that handles events: its first parameter is the event payload (matched by type, most specific
 * first); it may also take the {@link io.cairn.sdk.EventMessage} (position, metadata, timestamp) and the
 * {@link io.cairn.sdk.query.QueryUpdateEmitter}. The bean's class names its processor and topics with
 * {@link ProcessingGroup}. Handlers run at least once per event: after a crash, events since the last stored token
 * are handled again, so make them idempotent (see docs/domain-runtime.md).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface EventHandler {
}
