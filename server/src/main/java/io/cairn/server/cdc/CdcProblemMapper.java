package io.cairn.server.cdc;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import io.cairn.cdc.CdcConfigException;
import io.cairn.cdc.CdcException;
import io.cairn.server.LogMetrics;
import io.cairn.server.Problem;

/**
 * CDC errors as RFC 9457 problem documents: a refused configuration is 400 with an {@code errors} array (one
 * {@code "property: what is wrong"} each), an unknown connector 404, a taken name 409, anything else 500.
 */
@Provider
@ApplicationScoped
public class CdcProblemMapper implements ExceptionMapper<CdcException> {
    private static final String PREFIX = "tag:cairn.io,2025:problems/";

    @Inject
    LogMetrics metrics;

    @Override
    public Response toResponse(CdcException e) {
        Problem p;
        if (e instanceof CdcConfigException) {
            p = problem("invalid-connector-config", "Invalid connector configuration", 400, e);
        } else if (e instanceof CdcException.UnknownConnectorException) {
            p = problem("unknown-connector", "Unknown CDC connector", 404, e);
        } else if (e instanceof CdcException.ConnectorExistsException) {
            p = problem("connector-exists", "CDC connector already exists", 409, e);
        } else {
            p = problem("cdc-error", "CDC error", 500, e);
        }
        metrics.requestError(p.status());
        String json = p.toJson();
        if (e instanceof CdcConfigException c) {
            JsonObjectBuilder b = Json.createObjectBuilder(Json.createReader(new java.io.StringReader(json)).readObject());
            JsonArrayBuilder errors = Json.createArrayBuilder();
            c.problems().forEach(errors::add);
            json = b.add("errors", errors).build().toString();
        }
        return Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(json).build();
    }

    private static Problem problem(String slug, String title, int status, CdcException e) {
        return new Problem(PREFIX + slug, title, status, e.getMessage(), Map.of());
    }
}
