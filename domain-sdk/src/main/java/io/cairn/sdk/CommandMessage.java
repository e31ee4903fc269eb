package io.cairn.sdk;

import io.cairn.log.store.EventHeaders;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A command with its id and metadata. The events a command produces carry its correlation id (the command's own id
 * when it has none) and, as causation id, the command's id.
 */
public record CommandMessage<C>(String commandId, C payload, Map<String, String> metadata) {

    public CommandMessage {
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(payload, "payload (the command) must not be null");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** A new command message with a random id and no metadata. */
    public static <C> CommandMessage<C> of(C command) {
        return new CommandMessage<>(newId(), command, Map.of());
    }

    /** A new command message with a random id and the given metadata. */
    public static <C> CommandMessage<C> of(C command, Map<String, String> metadata) {
        return new CommandMessage<>(newId(), command, metadata);
    }

    /**
     * A random (version 4 layout) UUID from {@link ThreadLocalRandom}: ids must be unique, not unguessable, and
     * {@code UUID.randomUUID()}'s shared SecureRandom serialises every sending thread.
     */
    static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    /** This message with {@code key=value} added to (or replaced in) its metadata. */
    public CommandMessage<C> withMetadata(String key, String value) {
        Map<String, String> copy = new HashMap<>(metadata);
        copy.put(key, value);
        return new CommandMessage<>(commandId, payload, copy);
    }

    /** This message with another payload (an interceptor may normalise a command). */
    public <D> CommandMessage<D> withPayload(D newPayload) {
        return new CommandMessage<>(commandId, newPayload, metadata);
    }

    /** The correlation id, or null when none was set. */
    public String correlationId() {
        return metadata.get(EventHeaders.CORRELATION_KEY);
    }

    /** The command's payload type. */
    public Class<?> payloadType() {
        return payload.getClass();
    }
}
