package io.cairn.server;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import io.cairn.log.LogEngine;

/**
 * Health of the log engine, at {@code /health/live} and {@code /health/ready}: live while it opens or serves (a
 * long recovery is not a reason to restart), ready once every partition is recovered. A failed open or a shutdown
 * is neither, with the reason in the check's data.
 */
@ApplicationScoped
public class EngineHealth {
    static final String LIVE = "cairn-log-engine-live";
    static final String READY = "cairn-log-engine-ready";

    @Inject
    EngineHolder holder;

    @Produces
    @Liveness
    HealthCheck liveness() {
        return () -> describe(LIVE, holder.state().live());
    }

    @Produces
    @Readiness
    HealthCheck readiness() {
        return () -> describe(READY, holder.state().ready());
    }

    private HealthCheckResponse describe(String name, boolean up) {
        EngineState state = holder.state();
        HealthCheckResponseBuilder b = HealthCheckResponse.named(name).status(up).withData("state", state.name());
        if (state == EngineState.FAILED && holder.failure() != null) {
            b.withData("failure", holder.failure());
        }
        if (state == EngineState.OPEN) {
            try {
                LogEngine e = holder.engine();
                b.withData("dataDir", e.dataDir().toString()).withData("topics", e.topics().size());
            } catch (EngineUnavailableException closing) {
                // closed between the two reads: the state alone says enough
            }
        }
        return b.build();
    }
}
