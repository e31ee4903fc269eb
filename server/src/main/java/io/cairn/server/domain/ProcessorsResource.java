package io.cairn.server.domain;

import java.util.Comparator;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.cairn.sdk.processing.TrackingProcessor;
import io.cairn.server.ApiException;
import io.cairn.server.ProblemType;

/**
 * The domain runtime's tracking processors, {@code /api/processors}: where each stands per topic partition, and a
 * replay from the start ({@code POST /api/processors/{name}/reset}: an in-memory read model is cleared by its
 * {@code @ResetHandler} and rebuilt; sagas see every event again and skip what they handled, see
 * docs/domain-runtime.md).
 */
@Path("processors")
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Processors", description = "Event processors of the domain runtime: positions, lag, errors, replay")
public class ProcessorsResource {

    @Inject
    DomainRuntimeHolder holder;

    /** One processor: its state, whether it has handled everything stored, and each partition's position. */
    public record ProcessorView(String name, String state, List<String> topics, boolean caughtUp,
                                List<TrackingProcessor.PartitionStatus> partitions) {
        static ProcessorView of(TrackingProcessor p) {
            List<TrackingProcessor.PartitionStatus> parts = p.status().stream()
                    .sorted(Comparator.comparing(TrackingProcessor.PartitionStatus::topic)
                            .thenComparingInt(TrackingProcessor.PartitionStatus::partition))
                    .toList();
            return new ProcessorView(p.name(), p.state().name(), p.topics(), p.caughtUp(), parts);
        }
    }

    @GET
    @Operation(summary = "Every processor with its position, the partitions' ends and any handler error")
    public List<ProcessorView> list() {
        return holder.runtime().processors().stream().map(ProcessorView::of).toList();
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One processor")
    public ProcessorView get(@PathParam("name") String name) {
        return ProcessorView.of(processor(name));
    }

    @POST
    @Path("{name}/reset")
    @Operation(summary = "Replay from the start: reset handlers run, every token goes back to the first offset")
    public ProcessorView reset(@PathParam("name") String name) throws Exception {
        TrackingProcessor p = processor(name);
        p.reset();
        return ProcessorView.of(p);
    }

    private TrackingProcessor processor(String name) {
        return holder.runtime().processor(name).orElseThrow(() -> new ApiException(ProblemType.UNKNOWN_PROCESSOR,
                "no processor '" + name + "'; processors: " + holder.runtime().processors().stream()
                        .map(TrackingProcessor::name).toList()));
    }
}
