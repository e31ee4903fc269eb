package io.cairn.sdk.saga;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@link SagaEventHandler} or {@link DeadlineHandler}: the saga ends after the method returns (its pending
 * deadlines are cancelled, its associations removed). {@link SagaContext#end()} does the same conditionally.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface EndSaga {}
