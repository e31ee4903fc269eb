package io.cairn.sdk.command;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The command field (or record component) naming the aggregate the command is for; its {@code toString()} is the id.
 * Required on commands for existing aggregates; optional on creation commands.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.RECORD_COMPONENT})
public @interface TargetAggregateId {
}
