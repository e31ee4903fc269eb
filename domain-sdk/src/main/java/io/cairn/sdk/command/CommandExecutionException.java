package io.cairn.sdk.command;

/** A command handler threw a checked exception (unchecked ones reach the sender as they are). Nothing was appended. */
public final class CommandExecutionException extends RuntimeException {
    public CommandExecutionException(String message, Throwable cause) {
        super(message, cause);
    }
}
