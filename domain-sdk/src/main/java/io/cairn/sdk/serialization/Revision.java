package io.cairn.sdk.serialization;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The payload revision of an event class (the {@code cairn-revision} header), 0 without it. Bump it when the JSON
 * shape changes and register an {@link Upcaster} from the previous revision: old events are upcast on read.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Revision {
    int value();
}
