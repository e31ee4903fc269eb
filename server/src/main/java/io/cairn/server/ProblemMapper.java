package io.cairn.server;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.log.LogException;

/**
 * The one place where failures become HTTP answers: every exception a resource throws leaves as an RFC 9457 problem
 * document with the status that fits it, and is counted in {@code cairn.request.errors}. Engine errors map by their
 * {@link LogException} subclass, never by message; anything unexpected is a 500 whose stack trace goes to the log.
 */
@Provider
@ApplicationScoped
public class ProblemMapper implements ExceptionMapper<Throwable> {
    private static final Logger log = LoggerFactory.getLogger(ProblemMapper.class);

    @Inject
    LogMetrics metrics;

    @Override
    public Response toResponse(Throwable t) {
        Problem p = toProblem(t);
        metrics.requestError(p.status());
        Response.ResponseBuilder r = Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(p.toJson());
        if (t instanceof EngineUnavailableException e && e.isTransient()) {
            r.header("Retry-After", "1");
        }
        return r.build();
    }

    static Problem toProblem(Throwable t) {
        if (t instanceof ApiException e) {
            return Problem.of(e.type(), e.getMessage(), e.extensions());
        }
        if (t instanceof LogException e) {
            return Problem.of(typeOf(e), e.getMessage());
        }
        if (t instanceof EngineUnavailableException e) {
            return Problem.of(ProblemType.ENGINE_UNAVAILABLE, e.getMessage());
        }
        if (t instanceof NotSupportedException) {
            return new Problem("about:blank", "Unsupported Media Type", 415,
                    "This endpoint takes JSON: send the header Content-Type: application/json", Map.of());
        }
        if (t instanceof WebApplicationException e) {
            // Raised by the REST runtime itself: unknown path (404), wrong method (405), media types (406, 415).
            Response.StatusType s = e.getResponse().getStatusInfo();
            if (s.getStatusCode() >= 500) {
                log.warn("Request failed: {}", t.toString(), t);
            }
            return new Problem("about:blank", s.getReasonPhrase(), s.getStatusCode(), e.getMessage(), Map.of());
        }
        log.error("Request failed unexpectedly: {}", t.toString(), t);
        return Problem.of(ProblemType.INTERNAL_ERROR, t.getClass().getSimpleName() + " (see the server log)");
    }

    private static ProblemType typeOf(LogException e) {
        if (e instanceof io.cairn.log.store.ConcurrencyConflictException) {
            return ProblemType.CONCURRENCY_CONFLICT;
        } else if (e instanceof LogException.UnknownTopicException) {
            return ProblemType.UNKNOWN_TOPIC;
        } else if (e instanceof LogException.TopicExistsException) {
            return ProblemType.TOPIC_EXISTS;
        } else if (e instanceof LogException.InvalidConfigException) {
            return ProblemType.INVALID_CONFIG;
        } else if (e instanceof LogException.InvalidBatchException) {
            return ProblemType.INVALID_BATCH;
        } else if (e instanceof LogException.RecordTooLargeException) {
            return ProblemType.RECORD_TOO_LARGE;
        } else if (e instanceof LogException.OffsetOutOfRangeException) {
            return ProblemType.OFFSET_OUT_OF_RANGE;
        } else if (e instanceof LogException.LimitExceededException) {
            return ProblemType.LIMIT_EXCEEDED;
        } else if (e instanceof LogException.LogClosedException) {
            return ProblemType.ENGINE_UNAVAILABLE;
        } else if (e instanceof LogException.CorruptBatchException) {
            log.error("Corrupt data: {}", e.getMessage());
            return ProblemType.CORRUPT_DATA;
        } else if (e instanceof LogException.LogIoException) {
            log.error("Storage error: {}", e.getMessage(), e);
            return ProblemType.STORAGE_ERROR;
        }
        log.error("Log engine error: {}", e.toString(), e);
        return ProblemType.INTERNAL_ERROR;
    }
}
