package io.cairn.sdk.command;

import java.util.ArrayList;
import java.util.List;

/** A command's input is invalid; the message names every problem. Nothing was appended. */
public final class CommandValidationException extends RuntimeException {

    private final List<String> problems;

    public CommandValidationException(String command, List<String> problems) {
        super("invalid " + command + ": " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    /** Collects problems; {@link #throwIfAny()} throws them together. Not thread-safe. */
    public static Checker check(Object command) {
        return new Checker(command.getClass().getSimpleName());
    }

    /** Accumulates validation failures of one command. */
    public static final class Checker {
        private final String command;
        private final List<String> problems = new ArrayList<>();

        private Checker(String command) {
            this.command = command;
        }

        /** Records {@code problem} when {@code ok} is false. */
        public Checker require(boolean ok, String problem) {
            if (!ok) {
                problems.add(problem);
            }
            return this;
        }

        /** Records "{@code field} is required" when {@code value} is null or blank. */
        public Checker notBlank(String field, String value) {
            return require(value != null && !value.isBlank(), field + " is required");
        }

        public void throwIfAny() {
            if (!problems.isEmpty()) {
                throw new CommandValidationException(command, problems);
            }
        }
    }
}
