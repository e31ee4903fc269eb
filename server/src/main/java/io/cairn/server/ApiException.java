package io.cairn.server;

import java.util.Map;

/** A request the API refuses, with the problem type to report and the evidence in {@code detail}. */
public class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ProblemType type;
    private final transient Map<String, Object> extensions;

    public ApiException(ProblemType type, String detail) {
        this(type, detail, Map.of());
    }

    public ApiException(ProblemType type, String detail, Map<String, Object> extensions) {
        super(detail);
        this.type = type;
        this.extensions = Map.copyOf(extensions);
    }

    public ProblemType type() {
        return type;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }
}
