package io.cairn.sdk.processing;

import io.cairn.log.store.StoredEvent;
import io.cairn.sdk.EventMessage;
import io.cairn.sdk.serialization.EventSerializer;
import io.cairn.sdk.serialization.SerializationException;

/** Turns a stored event into a message for handlers (payload deserialized and upcast). */
@FunctionalInterface
public interface EventDecoder {

    /** The message, or null when this application does not know the event's type (the event is then skipped). */
    EventMessage<Object> decode(String topic, StoredEvent event);

    /**
     * Decodes with the serializer: an event whose type is registered must decode (a failure is an error the
     * processor retries: corrupt data is never skipped silently); another is tried through the upcasters and skipped
     * when it still has no class.
     */
    static EventDecoder of(EventSerializer serializer) {
        return (topic, event) -> {
            if (serializer.classOf(event.eventType()) != null) {
                return serializer.toMessage(topic, event);
            }
            try {
                return serializer.toMessage(topic, event);
            } catch (SerializationException unknown) {
                return null;
            }
        };
    }
}
