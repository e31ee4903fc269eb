package io.cairn.server.cdc;

import java.io.StringReader;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.cairn.cdc.CdcConfigException;
import io.cairn.cdc.ConnectorStatus;

/**
 * {@code /api/cdc/connectors}: change data capture connectors. Create one with
 * {@code POST {"name": "shop", "config": {"type": "postgres", "database.hostname": …}}}; list, read the status of,
 * pause, resume and delete them. A refused configuration is a 400 problem document whose {@code errors} name each
 * property and what is wrong with it; nothing is stored or started then.
 */
@Path("cdc/connectors")
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "CDC", description = "Change data capture from PostgreSQL and MariaDB into topics (Debezium embedded)")
public class CdcResource {
    @Inject
    CdcHost host;

    @Inject
    CdcMetrics metrics;

    @GET
    @Operation(summary = "Connectors with their status, snapshot progress and lag")
    public List<ConnectorStatus> list() {
        return host.service().list();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Creates a connector and starts it",
            description = "Body: {\"name\", \"config\": {Debezium's properties, plus type (postgres|mariadb), "
                    + "cairn.topic.pattern ({prefix}.{schema}.{table}), cairn.topic.partitions (1)}}. The "
                    + "configuration is validated (Debezium connects to the database) before anything is stored.")
    public Response create(String body) {
        JsonObject json;
        try {
            json = Json.createReader(new StringReader(body == null ? "" : body)).readObject();
        } catch (JsonException | IllegalStateException ex) {
            throw new CdcConfigException("body: not a JSON object (" + ex.getMessage() + ")");
        }
        String name = json.get("name") instanceof JsonString s ? s.getString() : null;
        if (name == null) {
            throw new CdcConfigException("name: required (a string)");
        }
        if (!(json.get("config") instanceof JsonObject config)) {
            throw new CdcConfigException("config: required (an object of properties)");
        }
        Map<String, String> props = new LinkedHashMap<>();
        for (Map.Entry<String, JsonValue> e : config.entrySet()) {
            JsonValue v = e.getValue();
            switch (v.getValueType()) {
                case STRING -> props.put(e.getKey(), ((JsonString) v).getString());
                case NUMBER, TRUE, FALSE -> props.put(e.getKey(), v.toString());
                default -> throw new CdcConfigException(e.getKey() + ": a string, number or boolean, not " + v.getValueType());
            }
        }
        ConnectorStatus status = host.service().create(name, props);
        metrics.refresh();
        return Response.created(URI.create("cdc/connectors/" + name)).entity(status).build();
    }

    @GET
    @Path("{name}")
    @Operation(summary = "A connector's status: state, error, snapshot progress, captured changes, positions and lag")
    public ConnectorStatus status(@PathParam("name") String name) {
        return host.service().status(name);
    }

    @POST
    @Path("{name}/pause")
    @Operation(summary = "Stops capturing (offsets flushed); stays paused across restarts until resumed")
    public ConnectorStatus pause(@PathParam("name") String name) {
        return host.service().pause(name);
    }

    @POST
    @Path("{name}/resume")
    @Operation(summary = "Starts a paused or failed connector again from its stored offsets")
    public ConnectorStatus resume(@PathParam("name") String name) {
        return host.service().resume(name);
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Stops and forgets a connector: its definition, offsets and (PostgreSQL) replication slot; "
            + "its topics stay")
    public Response delete(@PathParam("name") String name) {
        host.service().delete(name);
        metrics.refresh();
        return Response.noContent().build();
    }
}
