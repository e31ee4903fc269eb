package io.cairn.sdk.command;

/** No registered aggregate handles the command's class. Nothing was appended. */
public final class NoHandlerException extends RuntimeException {
    public NoHandlerException(Class<?> commandType, Iterable<String> known) {
        super("no handler for command " + commandType.getName() + "; handled commands: " + String.join(", ", known));
    }
}
