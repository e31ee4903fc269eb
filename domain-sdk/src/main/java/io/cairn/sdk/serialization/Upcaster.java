package io.cairn.sdk.serialization;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Turns a stored payload of one event type and revision into the next revision, on the JSON tree, when events are
 * read. Upcasters chain: a revision 0 event of a type now at revision 3 goes through the 0→1, 1→2 and 2→3 upcasters.
 * Stored events are never rewritten.
 */
public interface Upcaster {

    /** The stored event type name this upcaster reads. */
    String eventType();

    /** The revision it reads; it produces {@code fromRevision() + 1}. */
    int fromRevision();

    /** The payload at the next revision; may modify and return {@code payload}. */
    ObjectNode upcast(ObjectNode payload);

    /** The event type name after upcasting (a type may be renamed on the way); the same name by default. */
    default String toEventType() {
        return eventType();
    }

    /** An upcaster from a function. */
    static Upcaster of(String eventType, int fromRevision, java.util.function.UnaryOperator<ObjectNode> step) {
        return new Upcaster() {
            @Override public String eventType() { return eventType; }
            @Override public int fromRevision() { return fromRevision; }
            @Override public ObjectNode upcast(ObjectNode payload) { return step.apply(payload); }
            @Override public String toString() { return "Upcaster[" + eventType + " " + fromRevision + "->" + (fromRevision + 1) + "]"; }
        };
    }
}
