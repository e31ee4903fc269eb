package io.cairn.server.domain;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the domain runtime, {@code cairn-domain-ready}: UP while it runs, with each processor's state, how far
 * behind it is and its current handler error (a failing handler is retried and does not make the server unready:
 * commands and queries still work); DOWN while the engine opens, after a failed start (with the reason) and at
 * shutdown.
 */
@ApplicationScoped
public class DomainHealth {
    static final String READY = "cairn-domain-ready";

    @Inject
    DomainRuntimeHolder holder;

    @Produces
    @Readiness
    HealthCheck readiness() {
        return () -> {
            DomainRuntimeHolder.State state = holder.state();
            HealthCheckResponseBuilder b = HealthCheckResponse.named(READY)
                    .status(state == DomainRuntimeHolder.State.RUNNING).withData("state", state.name());
            if (holder.failure() != null) {
                b.withData("failure", holder.failure());
            }
            for (String p : holder.processorSummaries()) {
                int colon = p.indexOf(':');
                b.withData("processor." + p.substring(0, colon), p.substring(colon + 2));
            }
            return b.build();
        };
    }
}
