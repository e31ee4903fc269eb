package io.cairn.sdk.command;

/**
 * A synchronous send got no outcome in time. Unlike the other failures, the command's events may still be appended:
 * look for events whose {@code causationId} is the command's id before sending it again.
 */
public final class CommandTimeoutException extends RuntimeException {
    public CommandTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
