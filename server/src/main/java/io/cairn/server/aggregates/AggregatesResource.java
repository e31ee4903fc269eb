package io.cairn.server.aggregates;

import java.io.InputStream;
import java.net.URI;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.cairn.log.store.LogEventStore;
import io.cairn.server.EngineHolder;
import io.cairn.server.Problem;
import io.cairn.server.RequestSizeLimit;
import io.cairn.server.Settings;

/**
 * Aggregate events through the event store: {@code /api/aggregates/{topic}/{id}/events}. Appends are conditional on
 * the aggregate's last sequence (409 on a conflict); errors are problem documents (see {@code ProblemMapper}).
 */
@Path("aggregates")
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Aggregates", description = "Append events to an aggregate (optimistic concurrency) and load them")
public class AggregatesResource {
    @Inject
    EngineHolder holder;

    @POST
    @Path("{topic}/{id}/events")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Append events to an aggregate",
            description = "Appends all events atomically if the aggregate's last sequence is expectedSequence (-1: new "
                    + "aggregate, -2: any). Durable (per the topic's flush policy) before the answer.")
    @RequestBody(required = true, content = @Content(schema = @Schema(example =
            "{\"expectedSequence\":-1,\"events\":[{\"type\":\"AccountOpened\",\"revision\":1,\"payload\":{\"owner\":\"ann\"},"
                    + "\"metadata\":{\"correlationId\":\"c-1\"}}]}")))
    @APIResponse(responseCode = "201", description = "Appended: partition, offsets and the new last sequence")
    @APIResponse(responseCode = "400", description = "Malformed JSON or bad fields; nothing appended", content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "404", description = "Unknown topic", content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "409", description = "Concurrency conflict: the aggregate's last sequence is another",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "413", description = "Body over cairn.request.max.bytes, or a batch over max.message.bytes",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Response append(@PathParam("topic") String topic, @PathParam("id") String id, InputStream body) {
        AggregateJson.Append a = AggregateJson.parseAppend(RequestSizeLimit.read(body, settings().maxRequestBytes()));
        JsonObject result = AggregateEvents.append(store(), topic, id, a);
        long first = result.getJsonNumber("lastSequence").longValue() - a.events().size() + 1;
        return Response.created(URI.create("aggregates/" + topic + "/" + id + "/events?fromSequence=" + first))
                .entity(result).build();
    }

    @GET
    @Path("{topic}/{id}/events")
    @Operation(summary = "Load an aggregate's events", description = "Events with sequence >= fromSequence (default 0), "
            + "in order, read through the partition's aggregate index (only this aggregate's batches are read). With "
            + "last=true only the aggregate's last event (none if it has no events). With payloadEncoding=base64 every "
            + "payload comes as payloadBase64, its stored bytes exactly (what remote event stores ask for).")
    @APIResponse(responseCode = "200", description = "The events and the aggregate's last sequence (-1: no events)")
    @APIResponse(responseCode = "400", description = "fromSequence is not a number >= 0, last is not true/false, "
            + "payloadEncoding is not json/base64, or the aggregate id is invalid", content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "404", description = "Unknown topic", content = @Content(mediaType = Problem.MEDIA_TYPE))
    public JsonObject read(@PathParam("topic") String topic, @PathParam("id") String id,
                           @Parameter(description = "first sequence to return") @QueryParam("fromSequence") String fromSequence,
                           @Parameter(description = "true: only the last event (fromSequence is then ignored)")
                           @QueryParam("last") String last,
                           @Parameter(description = "json (default: payloads as JSON, base64 only for non-JSON ones) or "
                                   + "base64 (every payload as payloadBase64)") @QueryParam("payloadEncoding") String payloadEncoding) {
        return AggregateEvents.read(store(), topic, id, fromSequence, last, payloadEncoding);
    }

    @GET
    @Path("{topic}/events")
    @Operation(summary = "Load an aggregate's events, its id in the query",
            description = "As GET {topic}/{id}/events, for any aggregate id: the server refuses some in a URL path "
                    + "(ids holding '/', '\\' or '#', and the ids '.' and '..'). Remote event stores use this form.")
    @APIResponse(responseCode = "200", description = "The events and the aggregate's last sequence (-1: no events)")
    @APIResponse(responseCode = "400", description = "aggregateId is missing or invalid, or another parameter is bad",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "404", description = "Unknown topic", content = @Content(mediaType = Problem.MEDIA_TYPE))
    public JsonObject readByQuery(@PathParam("topic") String topic,
                                  @Parameter(description = "the aggregate id", required = true) @QueryParam("aggregateId") String id,
                                  @QueryParam("fromSequence") String fromSequence, @QueryParam("last") String last,
                                  @QueryParam("payloadEncoding") String payloadEncoding) {
        if (id == null) {
            throw AggregateJson.invalid("Query parameter aggregateId is required");
        }
        return AggregateEvents.read(store(), topic, id, fromSequence, last, payloadEncoding);
    }

    private LogEventStore store() {
        return LogEventStore.of(holder.engine());
    }

    private Settings settings() {
        Settings s = holder.settings();
        if (s == null) {
            holder.engine(); // reports why there are no settings
        }
        return s;
    }
}
