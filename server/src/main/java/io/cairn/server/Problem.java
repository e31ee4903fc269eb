package io.cairn.server;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.core.Response;

/**
 * An RFC 9457 problem document: {@code type}, {@code title}, {@code status}, {@code detail}, plus extension members
 * (numbers and strings) such as the valid offset range. Sent as {@code application/problem+json}.
 */
public record Problem(String type, String title, int status, String detail, Map<String, Object> extensions) {
    public static final String MEDIA_TYPE = "application/problem+json";

    public Problem {
        extensions = Map.copyOf(new LinkedHashMap<>(extensions));
    }

    public static Problem of(ProblemType type, String detail) {
        return new Problem(type.uri(), type.title(), type.status(), detail, Map.of());
    }

    public static Problem of(ProblemType type, String detail, Map<String, Object> extensions) {
        return new Problem(type.uri(), type.title(), type.status(), detail, extensions);
    }

    public String toJson() {
        JsonObjectBuilder b = Json.createObjectBuilder()
                .add("type", type)
                .add("title", title)
                .add("status", status);
        if (detail != null) {
            b.add("detail", detail);
        }
        extensions.forEach((k, v) -> {
            if (v instanceof Long l) {
                b.add(k, l);
            } else if (v instanceof Integer i) {
                b.add(k, i);
            } else {
                b.add(k, String.valueOf(v));
            }
        });
        return b.build().toString();
    }

    public Response toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(toJson()).build();
    }
}
