package io.cairn.sdk.aggregate;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The field holding the aggregate's id (the record key of its events). Set it in the event-sourcing handler of the
 * creation event; its {@code toString()} is the id.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface AggregateId {
}
