package io.cairn.server.topics;

import java.io.ByteArrayInputStream;
import java.util.Set;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParser;

import io.cairn.server.ApiException;
import io.cairn.server.ProblemType;

/** Strict reading of JSON request bodies: malformed JSON, wrong types and unknown fields are reported with where they are. */
public final class JsonBodies {
    private JsonBodies() {
    }

    public static JsonValue parse(byte[] body) {
        if (body.length == 0) {
            throw new ApiException(ProblemType.MALFORMED_JSON, "The request body is empty; JSON was expected");
        }
        try (JsonParser p = Json.createParser(new ByteArrayInputStream(body))) {
            if (!p.hasNext()) {
                throw new ApiException(ProblemType.MALFORMED_JSON, "The request body holds no JSON value");
            }
            p.next();
            JsonValue v = p.getValue();
            if (p.hasNext()) {
                throw new ApiException(ProblemType.MALFORMED_JSON, "The request body has more after its JSON value, at "
                        + p.getLocation());
            }
            return v;
        } catch (JsonException | IllegalStateException e) {
            throw new ApiException(ProblemType.MALFORMED_JSON, "The request body is not valid JSON: " + e.getMessage());
        }
    }

    public static JsonObject object(JsonValue v, String where) {
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            throw invalid(where + " must be a JSON object, not " + kind(v));
        }
        return v.asJsonObject();
    }

    public static void onlyKnownFields(JsonObject o, Set<String> known, String where) {
        for (String k : o.keySet()) {
            if (!known.contains(k)) {
                throw invalid(where + " has an unknown field '" + k + "' (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    /** The string at {@code field}, or null when absent or JSON null. */
    public static String optionalString(JsonObject o, String field, String where) {
        JsonValue v = o.get(field);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.STRING) {
            throw invalid(where + "." + field + " must be a string or null, not " + kind(v));
        }
        return ((JsonString) v).getString();
    }

    /** The whole number at {@code field} within [min, max], or null when absent or JSON null. */
    public static Integer optionalInt(JsonObject o, String field, int min, int max, String where) {
        JsonValue v = o.get(field);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.NUMBER || !((JsonNumber) v).isIntegral()) {
            throw invalid(where + "." + field + " must be a whole number, not " + v);
        }
        long n;
        try {
            n = ((JsonNumber) v).longValueExact();
        } catch (ArithmeticException e) {
            n = Long.MAX_VALUE;
        }
        if (n < min || n > max) {
            throw invalid(where + "." + field + " must be between " + min + " and " + max + ", not " + v);
        }
        return (int) n;
    }

    public static String kind(JsonValue v) {
        return switch (v.getValueType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case TRUE, FALSE -> "a boolean";
            case NULL -> "null";
        };
    }

    public static ApiException invalid(String detail) {
        return new ApiException(ProblemType.INVALID_REQUEST, detail);
    }
}
