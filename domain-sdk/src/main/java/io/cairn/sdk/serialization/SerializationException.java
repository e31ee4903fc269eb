package io.cairn.sdk.serialization;

/** An event or snapshot could not be written as JSON or read back: names the type, revision and the cause. */
public final class SerializationException extends RuntimeException {
    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }

    public SerializationException(String message) {
        super(message);
    }
}
