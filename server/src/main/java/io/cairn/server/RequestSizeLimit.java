package io.cairn.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;

/**
 * Puts a limit on request bodies ({@code cairn.request.max.bytes}, 1 MiB by default). A declared
 * {@code Content-Length} over the limit is refused before the body is read; a body without one (chunked) is refused
 * as soon as reading it passes the limit ({@link #read}). Either way nothing is written: 413.
 */
@Provider
@PreMatching
@ApplicationScoped
public class RequestSizeLimit implements ContainerRequestFilter {
    @Inject
    EngineHolder holder;

    @Inject
    LogMetrics metrics;

    @Override
    public void filter(ContainerRequestContext request) {
        int limit = limit();
        int declared = request.getLength();
        if (declared > limit) {
            metrics.requestError(ProblemType.CONTENT_TOO_LARGE.status());
            request.abortWith(tooLarge(declared + " bytes", limit).toResponse());
        }
    }

    private int limit() {
        Settings s = holder.settings();
        return s == null ? Settings.DEFAULT_MAX_REQUEST_BYTES : s.maxRequestBytes();
    }

    /** Reads a whole body, failing with 413 once it passes {@code limit} bytes. */
    public static byte[] read(InputStream body, int limit) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 64 * 1024));
        byte[] buf = new byte[16 * 1024];
        int total = 0;
        try (body) {
            int n;
            while ((n = body.read(buf)) > 0) {
                total += n;
                if (total > limit) {
                    throw new ApiException(ProblemType.CONTENT_TOO_LARGE, "The request body is larger than "
                            + limit + " bytes (cairn.request.max.bytes)", Map.of("limit", limit));
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "Could not read the request body: " + e.getMessage());
        }
        return out.toByteArray();
    }

    private static Problem tooLarge(String size, int limit) {
        return Problem.of(ProblemType.CONTENT_TOO_LARGE, "The request body (" + size + ") is larger than " + limit
                + " bytes (cairn.request.max.bytes)", Map.of("limit", limit));
    }
}
