package io.cairn.server.db;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the platform database, at {@code /health/ready}: UP once it is chosen and a pooled connection answers
 * within two seconds, with its source and URL; DOWN while it is being chosen, when choosing failed, or when it does
 * not answer (with the reason). No liveness check: restarting Cairn does not bring a database back.
 */
@ApplicationScoped
public class DatabaseHealth {
    static final String READY = "cairn-database-ready";
    private static final int CHECK_TIMEOUT_SECONDS = 2;

    @Inject
    PlatformDatabase database;

    @Produces
    @Readiness
    HealthCheck readiness() {
        return () -> {
            PlatformDatabase.Status s = database.status();
            String problem = s.state() == PlatformDatabase.State.READY ? database.check(CHECK_TIMEOUT_SECONDS) : s.detail();
            HealthCheckResponseBuilder b = HealthCheckResponse.named(READY).status(problem == null)
                    .withData("state", s.state().name());
            if (s.source() != null) {
                b.withData("source", s.source().name()).withData("url", s.url());
            }
            if (problem != null) {
                b.withData("failure", problem);
            }
            return b.build();
        };
    }
}
