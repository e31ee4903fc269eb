package io.cairn.server.stats;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.cairn.server.EngineHolder;

/** {@code GET /api/stats}: cumulative counters per topic for rate charts (see {@link Stats}). */
@Path("stats")
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Stats", description = "Counters for live charts")
public class StatsResource {
    @Inject
    EngineHolder holder;

    private final Clock clock = Clock.systemUTC();

    @GET
    @Operation(summary = "Cumulative counters per topic (records and bytes appended, offsets, sizes) and the Kafka listener",
            description = "Counters count since the engine opened, from every client; difference two readings over "
                    + "their 'time' for rates. A counter that went down means a restart or a re-created topic.")
    public Stats stats() {
        return Stats.read(holder.engine(), holder.kafka(), clock.millis());
    }
}
