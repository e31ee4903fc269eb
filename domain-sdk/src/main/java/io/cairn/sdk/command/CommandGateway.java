package io.cairn.sdk.command;

import io.cairn.sdk.CommandMessage;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Sends commands to their aggregates. A command is routed by its class to one handler; the aggregate is loaded, the
 * handler decides, and the new events are appended on condition that nobody appended in between. The result is the
 * handler's return value (a creating handler's result is the new aggregate's id).
 *
 * <p>Failures: {@link CommandValidationException} (rejected by an interceptor), {@link NoHandlerException}, the
 * handler's own exceptions, {@link io.cairn.sdk.aggregate.AggregateNotFoundException}, and
 * {@link io.cairn.log.store.ConcurrencyConflictException} when another writer won and retries (if configured) ran
 * out. In every one of these cases nothing was appended. The exception is {@link CommandTimeoutException} from a
 * synchronous send: the outcome is then unknown.
 */
public interface CommandGateway {

    /** Sends and waits for the append to be durable; throws the failure itself (not wrapped). */
    <R> R send(Object command);

    /** {@link #send(Object)} with metadata (e.g. a correlation id) for the command and its events. */
    <R> R send(Object command, Map<String, String> metadata);

    /** Sends without waiting: the future completes once the events are durable, or with the failure. */
    <R> CompletableFuture<R> sendAsync(Object command);

    /** {@link #sendAsync(Object)} for a prepared message (id and metadata chosen by the caller). */
    <R> CompletableFuture<R> sendAsync(CommandMessage<?> command);
}
