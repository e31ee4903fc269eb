package io.cairn.sdk.serialization;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The stored name of an event class (the {@code cairn-event-type} header). Without it the name is the class's simple
 * name. The name, not the Java class, is the contract with readers: renaming or moving the class keeps the name.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface EventType {
    String value();
}
