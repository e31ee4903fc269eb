package io.cairn.sdk.processing;

import io.cairn.sdk.EventMessage;

/**
 * What a {@link TrackingProcessor} feeds: annotated event handlers ({@link EventHandlerBeans}) or a saga manager.
 * Called by one thread per topic partition at a time, so calls for different partitions may run concurrently.
 */
public interface EventConsumer {

    /** Whether any handler takes payloads of this class (others are skipped without a call). */
    boolean handles(Class<?> payloadClass);

    /** Handles one event; a thrown exception makes the processor retry the event (see {@link TrackingProcessor}). */
    void handle(EventMessage<?> event) throws Exception;

    /** Called when the processor's tokens are reset, before the replay starts. */
    default void onReset() throws Exception {
    }
}
