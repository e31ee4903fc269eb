package io.cairn.sdk.query;

/** No {@link QueryHandler} takes the query's class, or none answers with the requested type. */
public final class NoQueryHandlerException extends RuntimeException {
    public NoQueryHandlerException(String message) {
        super(message);
    }
}
