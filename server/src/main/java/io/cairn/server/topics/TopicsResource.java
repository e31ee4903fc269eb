package io.cairn.server.topics;

import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.ws.rs.Consumes;
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
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.cairn.log.LogEngine;
import io.cairn.log.Topic;
import io.cairn.server.ApiException;
import io.cairn.server.EngineHolder;
import io.cairn.server.LogMetrics;
import io.cairn.server.Problem;
import io.cairn.server.ProblemType;
import io.cairn.server.RequestSizeLimit;
import io.cairn.server.Settings;

/** Topics and their records: {@code /api/topics}. Errors are problem documents (see {@code ProblemMapper}). */
@Path("topics")
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Topics", description = "Create, describe and delete topics; produce and read records")
public class TopicsResource {
    private static final int DEFAULT_READ_LIMIT = 100;

    @Inject
    EngineHolder holder;

    @Inject
    LogMetrics metrics;

    private final KeyPartitioner partitioner = new KeyPartitioner();
    private final RecordAppender appender = new RecordAppender(partitioner, Clock.systemUTC());

    @GET
    @Operation(summary = "List topics")
    public List<TopicViews.Summary> list() {
        return holder.engine().topics().stream().map(TopicViews.Summary::of)
                .sorted((a, b) -> a.name().compareTo(b.name())).toList();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a topic")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = NewTopic.class)))
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(schema = @Schema(implementation = TopicViews.Description.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON, bad name, partitions or configs", content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "409", description = "The topic exists", content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Response create(InputStream body) {
        LogEngine engine = holder.engine();
        NewTopic t = NewTopic.parse(RequestSizeLimit.read(body, settings().maxRequestBytes()), settings().defaultPartitions());
        Topic topic = engine.createTopic(t.name(), t.partitions(), t.configs());
        metrics.track(topic);
        return Response.created(URI.create("topics/" + topic.name())).entity(TopicViews.Description.of(topic)).build();
    }

    @GET
    @Path("{name}")
    @Operation(summary = "Describe a topic: configs, and per partition its offsets, size and segments")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = TopicViews.Description.class)))
    @APIResponse(responseCode = "404", description = "Unknown topic", content = @Content(mediaType = Problem.MEDIA_TYPE))
    public TopicViews.Description describe(@PathParam("name") String name) {
        return TopicViews.Description.of(holder.engine().requireTopic(name));
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Delete a topic and all its records")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "Unknown topic", content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Response delete(@PathParam("name") String name) {
        LogEngine engine = holder.engine();
        int partitions = engine.requireTopic(name).partitionCount();
        engine.deleteTopic(name);
        metrics.untrack(name, partitions);
        partitioner.forget(name);
        return Response.noContent().build();
    }

    @POST
    @Path("{name}/records")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Produce records",
            description = "A JSON array of records. Each record's value is any JSON, stored as its UTF-8 JSON text; a "
                    + "record goes to its 'partition' if given, else by murmur2 hash of its key (as Kafka's default "
                    + "partitioner), else round robin. The whole request is checked before anything is written.")
    @RequestBody(required = true, content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = TopicViews.RecordIn.class,
            example = "[{\"key\":\"order-1\",\"value\":{\"total\":42},\"headers\":{\"source\":\"web\"}}]")))
    @APIResponse(responseCode = "200", description = "Appended (and fsynced, per the topic's flush policy)",
            content = @Content(schema = @Schema(implementation = TopicViews.ProduceResult.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON or bad fields", content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "404", description = "Unknown topic", content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "413", description = "Body over cairn.request.max.bytes, or a batch over max.message.bytes",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public TopicViews.ProduceResult produce(@PathParam("name") String name, InputStream body) {
        Topic topic = holder.engine().requireTopic(name);
        List<RecordJson.ProduceRecord> records = RecordJson.parseBatch(RequestSizeLimit.read(body, settings().maxRequestBytes()),
                Integer.MAX_VALUE);
        long started = System.nanoTime();
        RecordAppender.Result r = appender.append(topic, records);
        metrics.produced(name, records.size(), r.bytes(), Duration.ofNanos(System.nanoTime() - started));
        return new TopicViews.ProduceResult(name,
                r.placed().stream().map(p -> new TopicViews.Offset(p.partition(), p.offset())).toList());
    }

    @GET
    @Path("{name}/partitions/{partition}/records")
    @Operation(summary = "Read records of a partition",
            description = "Committed records from 'offset' (default: the log start offset), at most 'limit' of them. "
                    + "Continue from 'nextOffset'.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = TopicViews.RecordsPage.class)))
    @APIResponse(responseCode = "400", description = "offset or limit is not a number in range", content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "404", description = "Unknown topic or partition", content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "416", description = "Offset outside [log start offset, log end offset]",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public JsonObject read(@PathParam("name") String name, @PathParam("partition") String partition,
                           @Parameter(description = "first offset to read") @QueryParam("offset") String offset,
                           @Parameter(description = "most records to return (default 100)") @QueryParam("limit") String limit) {
        Topic topic = holder.engine().requireTopic(name);
        int p = partitionNumber(topic, partition);
        int max = settings().maxReadRecords();
        int n = limit == null ? Math.min(DEFAULT_READ_LIMIT, max) : (int) number("limit", limit, 1, max);
        var log = topic.partition(p);
        long from = offset == null ? log.logStartOffset() : number("offset", offset, 0, Long.MAX_VALUE);
        RecordReader.Page page = RecordReader.read(log, from, n);
        JsonArrayBuilder records = Json.createArrayBuilder();
        page.records().forEach(records::add);
        return Json.createObjectBuilder().add("topic", name).add("partition", p).add("records", records)
                .add("nextOffset", page.nextOffset()).add("logStartOffset", page.logStartOffset())
                .add("highWatermark", page.highWatermark()).build();
    }

    private Settings settings() {
        Settings s = holder.settings();
        if (s == null) {
            holder.engine(); // reports why there are no settings
        }
        return s;
    }

    private static int partitionNumber(Topic topic, String partition) {
        try {
            int p = Integer.parseInt(partition);
            if (p >= 0 && p < topic.partitionCount()) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ApiException(ProblemType.UNKNOWN_TOPIC, "Topic " + topic.name() + " has no partition '" + partition
                + "' (it has " + topic.partitionCount() + ": 0 to " + (topic.partitionCount() - 1) + ")");
    }

    private static long number(String name, String raw, long min, long max) {
        long v;
        try {
            v = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "Query parameter " + name + " must be a whole number, not '" + raw + "'");
        }
        if (v < min || v > max) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "Query parameter " + name + " must be between " + min
                    + " and " + max + ", not " + v);
        }
        return v;
    }
}
