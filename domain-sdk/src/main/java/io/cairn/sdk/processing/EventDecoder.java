package io.cairn.sdk.processing;

import io.cairn.log.store.StoredEvent;

/** Turns a stored event into its payload object (deserializing and upcasting it). */
@FunctionalInterface
public interface EventDecoder {

    /** The payload, or null when this application does not know the event's type (the event is then skipped). */
    Object decode(StoredEvent event);
}
