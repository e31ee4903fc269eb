package io.cairn.server.projections;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.cairn.projections.DeadLetter;
import io.cairn.projections.ProjectionException;
import io.cairn.projections.ProjectionRuntime;
import io.cairn.projections.ProjectionStatus;
import io.cairn.server.ApiException;
import io.cairn.server.ProblemType;

/**
 * {@code /api/projections}: status and lag of the projections, rebuild (with progress), reset, dead letters and
 * their replay. Refusals are problem documents: 400 bad parameters, 404 unknown projection or dead letter, 409 a
 * rebuild already running or a dead letter replayed before, 422 a replayed dead letter that fails again, 503 while the projections are not running.
 */
@Path("projections")
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Projections", description = "Read models in PostgreSQL: status, lag, rebuild, reset, dead letters")
public class ProjectionsResource {
    /** The whole picture: where the projections are and each one's status. */
    public record Overview(String state, String detail, String deadLetterTopic, List<ProjectionStatus> projections) {
    }

    public record Replayed(String projection, long deadLetterOffset, boolean replayed) {
    }

    @Inject
    ProjectionsHost host;

    @GET
    @Operation(summary = "Every projection: state, generation, events/s, lag per partition, last error, rebuild progress")
    public Overview all() {
        ProjectionRuntime rt = host.runtime();
        return new Overview(host.state().name(), host.detail(), rt == null ? null : rt.deadLetterTopic(),
                rt == null ? List.of() : rt.status());
    }

    @GET
    @Path("dead-letters")
    @Operation(summary = "Dead letters (of one projection with ?projection=), from dead-letter offset ?from= (0), at most ?limit= (100)")
    public List<DeadLetter> deadLetters(@QueryParam("projection") String projection, @QueryParam("from") String from,
                                        @QueryParam("limit") String limit) {
        long f = number("from", from, 0, Long.MAX_VALUE, 0);
        int l = (int) number("limit", limit, 1, 1000, 100);
        return call(() -> runtime().deadLetters(projection == null || projection.isBlank() ? null : projection, f, l));
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One projection's status")
    public ProjectionStatus one(@PathParam("name") String name) {
        return call(() -> runtime().status(name));
    }

    @POST
    @Path("{name}/rebuild")
    @Operation(summary = "Starts a zero-downtime rebuild into new tables; the views switch once it has caught up (202)")
    public Response rebuild(@PathParam("name") String name) {
        ProjectionStatus.RebuildProgress p = call(() -> runtime().rebuild(name));
        return Response.accepted(p).build();
    }

    @GET
    @Path("{name}/rebuild")
    @Operation(summary = "The rebuild in progress or the last one: events done of total, rate, seconds left")
    public ProjectionStatus.RebuildProgress rebuildProgress(@PathParam("name") String name) {
        return call(() -> runtime().rebuildProgress(name).orElseThrow(() ->
                new ApiException(ProblemType.UNKNOWN_PROJECTION, "Projection " + name + " has not been rebuilt")));
    }

    @DELETE
    @Path("{name}/rebuild")
    @Operation(summary = "Cancels the rebuild in progress: its tables are dropped, the live ones serve on (409 if none runs)")
    public ProjectionStatus.RebuildProgress cancelRebuild(@PathParam("name") String name) {
        return call(() -> {
            try {
                return runtime().cancelRebuild(name);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(ProblemType.PROJECTIONS_UNAVAILABLE, "Interrupted while cancelling");
            }
        });
    }

    @POST
    @Path("{name}/reset")
    @Operation(summary = "Empties the projection's tables and replays it from the start, in place (202)")
    public Response reset(@PathParam("name") String name) {
        call(() -> {
            runtime().reset(name);
            return null;
        });
        return Response.accepted(call(() -> runtime().status(name))).build();
    }

    @POST
    @Path("{name}/resume")
    @Operation(summary = "Restarts the projection's workers where their offsets stand: partitions stopped at a poison event try again (202)")
    public Response resume(@PathParam("name") String name) {
        call(() -> {
            runtime().resume(name);
            return null;
        });
        return Response.accepted(call(() -> runtime().status(name))).build();
    }

    @POST
    @Path("{name}/dead-letters/{offset}/replay")
    @Operation(summary = "Applies a dead letter to the projection now, once (409 if it was replayed before)")
    public Replayed replay(@PathParam("name") String name, @PathParam("offset") String offset) {
        long o = number("offset", offset, 0, Long.MAX_VALUE, -1);
        call(() -> {
            try {
                runtime().replay(name, o);
            } catch (RuntimeException e) {
                if (e instanceof ProjectionException || e instanceof ApiException) {
                    throw e;
                }
                throw new ApiException(ProblemType.REPLAY_FAILED, "Dead letter " + o + " of " + name
                        + " failed again, nothing was written: " + e);
            }
            return null;
        });
        return new Replayed(name, o, true);
    }

    private ProjectionRuntime runtime() {
        ProjectionRuntime rt = host.runtime();
        if (rt == null || host.state() != ProjectionsHost.State.RUNNING) {
            throw new ApiException(ProblemType.PROJECTIONS_UNAVAILABLE, "Projections are " + host.state() + ": " + host.detail());
        }
        return rt;
    }

    private interface Call<T> {
        T run() throws SQLException;
    }

    /** Runs a runtime call, turning its refusals into problem documents. */
    private static <T> T call(Call<T> c) {
        try {
            return c.run();
        } catch (ProjectionException e) {
            ProblemType t = switch (e.reason()) {
                case NOT_FOUND -> ProblemType.UNKNOWN_PROJECTION;
                case CONFLICT -> ProblemType.PROJECTION_CONFLICT;
                case INVALID -> ProblemType.INVALID_REQUEST;
            };
            throw new ApiException(t, e.getMessage());
        } catch (SQLException e) {
            throw new ApiException(ProblemType.PROJECTIONS_UNAVAILABLE, "The platform database failed: " + e.getMessage(),
                    Map.of("sqlState", String.valueOf(e.getSQLState())));
        }
    }

    private static long number(String name, String value, long min, long max, long dflt) {
        if (value == null || value.isBlank()) {
            if (dflt < 0) {
                throw new ApiException(ProblemType.INVALID_REQUEST, name + " is required");
            }
            return dflt;
        }
        try {
            long v = Long.parseLong(value.trim());
            if (v < min || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ApiException(ProblemType.INVALID_REQUEST, name + " must be a whole number from " + min + " to "
                    + max + ", not '" + value + "'");
        }
    }
}
