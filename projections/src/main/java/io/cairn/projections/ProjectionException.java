package io.cairn.projections;

/** A request the runtime refuses; {@link #reason()} says why (the REST API maps it to 404, 409 or 400). */
public final class ProjectionException extends RuntimeException {
    public enum Reason {
        /** no such projection or dead letter */
        NOT_FOUND,
        /** not now: a rebuild runs, the dead letter was replayed, the runtime is closed */
        CONFLICT,
        /** the request itself is wrong */
        INVALID
    }

    private final Reason reason;

    public ProjectionException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ProjectionException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
