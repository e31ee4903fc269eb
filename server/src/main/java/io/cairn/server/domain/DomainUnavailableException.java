package io.cairn.server.domain;

import io.cairn.server.EngineUnavailableException;

/** The domain runtime is not running (yet): answered with 503, and {@code Retry-After} while it starts. */
public class DomainUnavailableException extends EngineUnavailableException {
    private static final long serialVersionUID = 1L;

    public DomainUnavailableException(String message, boolean isTransient) {
        super(message, isTransient);
    }
}
