package io.cairn.sdk.command;

/**
 * A command that checks its own input. The gateway calls {@link #validate()} before loading anything; a command
 * that fails is rejected with the exception it throws, and nothing is appended.
 */
public interface Validatable {

    /** @throws CommandValidationException naming every bad field */
    void validate();
}
