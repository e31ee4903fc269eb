package io.cairn.server;

/** The engine cannot serve now: still opening ({@code transient}), failed to open, or shut down. Maps to 503. */
public class EngineUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean transientState;

    public EngineUnavailableException(String message, boolean transientState) {
        super(message);
        this.transientState = transientState;
    }

    /** True while the engine is opening: retrying soon will succeed. */
    public boolean isTransient() {
        return transientState;
    }
}
