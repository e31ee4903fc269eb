package io.cairn.server;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the Kafka listener, at {@code /health/ready}: UP while it listens, or when it is switched off
 * ({@code cairn.kafka.enabled=false}, data {@code state: DISABLED}); DOWN while it waits for the engine, after it
 * failed to bind (with the reason) and once stopped. It has no liveness check: a listener that cannot bind is
 * reported, not a reason to restart the server.
 */
@ApplicationScoped
public class KafkaListenerHealth {
    static final String READY = "cairn-kafka-listener-ready";

    @Inject
    EngineHolder holder;

    @Produces
    @Readiness
    HealthCheck readiness() {
        return () -> describe(holder.kafka());
    }

    static HealthCheckResponse describe(KafkaListenerHost.Status s) {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(READY).status(s.state().ready())
                .withData("state", s.state().name());
        if (s.state() != KafkaListenerHost.State.DISABLED && !s.address().isEmpty()) {
            b.withData("address", s.address());
        }
        if (s.state() == KafkaListenerHost.State.LISTENING) {
            b.withData("connections", s.connections());
        }
        if (s.failure() != null) {
            b.withData("failure", s.failure());
        }
        return b.build();
    }
}
