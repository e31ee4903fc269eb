package io.cairn.server.groups;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.cairn.log.LogEngine;
import io.cairn.server.EngineHolder;

/**
 * {@code GET /api/groups}: the Kafka listener's consumer groups with their lag. Groups exist only through the
 * Kafka listener, so the list is empty while it is off or not listening ({@code /api/stats} says which).
 */
@Path("groups")
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Consumer groups", description = "Kafka consumer groups and their lag")
public class GroupsResource {
    @Inject
    EngineHolder holder;

    @GET
    @Operation(summary = "Consumer groups: state, members, committed offsets and lag per partition",
            description = "Lag is the partition's high watermark minus the committed offset. Empty while the Kafka "
                    + "listener is not listening.")
    public List<GroupLag> groups() {
        LogEngine engine = holder.engine();
        return holder.consumerGroups().stream().map(g -> GroupLag.of(g, engine)).toList();
    }
}
