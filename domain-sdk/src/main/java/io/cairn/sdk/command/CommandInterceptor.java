package io.cairn.sdk.command;

import io.cairn.sdk.CommandMessage;

import java.util.Objects;
import java.util.function.Function;

/**
 * Runs before a command is handled, in the order registered: returns the (possibly changed) message, or throws to
 * reject it (nothing is loaded or appended then). Used for validation and for metadata such as user or tenant ids.
 */
@FunctionalInterface
public interface CommandInterceptor {

    CommandMessage<?> intercept(CommandMessage<?> command);

    /** Calls {@link Validatable#validate()} on commands that implement it (the gateway installs this first). */
    static CommandInterceptor validation() {
        return command -> {
            if (command.payload() instanceof Validatable v) {
                v.validate();
            }
            return command;
        };
    }

    /** Adds metadata {@code key} computed from the message, unless the message already has it. */
    static CommandInterceptor metadata(String key, Function<CommandMessage<?>, String> value) {
        Objects.requireNonNull(key, "key");
        return command -> {
            if (command.metadata().containsKey(key)) {
                return command;
            }
            String v = value.apply(command);
            return v == null ? command : command.withMetadata(key, v);
        };
    }
}
