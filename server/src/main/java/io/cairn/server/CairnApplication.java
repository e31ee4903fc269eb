package io.cairn.server;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;

/** The REST API, under {@code /api}. Errors are RFC 9457 problem documents ({@link ProblemMapper}). */
@ApplicationPath("api")
@OpenAPIDefinition(info = @Info(title = "Cairn", version = "0.1",
        description = "Topics and records of Cairn's log. Errors are RFC 9457 problem documents (application/problem+json)."))
public class CairnApplication extends Application {
}
