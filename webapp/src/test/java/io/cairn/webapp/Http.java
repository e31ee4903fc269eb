package io.cairn.webapp;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;

/** A small HTTP client for the system tests, against the test server's port; every call has a timeout. */
final class Http {
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** A response: status, content type and body text. */
    record Reply(int status, String contentType, String body) {
        JsonValue json() {
            try (JsonReader r = Json.createReader(new StringReader(body))) {
                return r.readValue();
            }
        }

        JsonObject object() {
            return json().asJsonObject();
        }

        JsonArray array() {
            return json().asJsonArray();
        }

        @Override
        public String toString() {
            return status + " " + contentType + " " + (body.length() > 500 ? body.substring(0, 500) + "..." : body);
        }
    }

    private Http() {
    }

    static String base() {
        return "http://localhost:" + System.getProperty("cairn.it.http.port", "19080");
    }

    static Reply get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    static Reply delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    static Reply postJson(String path, String json) {
        return post(path, "application/json", json);
    }

    static Reply post(String path, String contentType, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    /** POST without a Content-Length (chunked), so the server cannot refuse the size up front. */
    static Reply postJsonChunked(String path, byte[] json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(json))));
    }

    private static URI uri(String path) {
        return URI.create(base() + path);
    }

    private static Reply send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = CLIENT.send(b.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits (at most {@code timeout}) until the application reports ready: the engine has opened. */
    static void awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        Reply last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                last = get("/health/ready");
                if (last.status() == 200) {
                    return;
                }
            } catch (RuntimeException e) {
                last = new Reply(-1, "", e.toString());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("Cairn not ready after " + timeout + ": " + last);
    }
}
