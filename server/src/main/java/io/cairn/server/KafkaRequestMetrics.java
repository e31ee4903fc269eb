package io.cairn.server;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;

import io.cairn.log.kafka.BrokerMetrics;

/**
 * The Kafka listener's request metrics (the broker's {@link BrokerMetrics} hook, in MicroProfile Metrics):
 * <ul>
 *   <li>{@code cairn.kafka.request.latency} (timer with histogram buckets, tag {@code api}): per Kafka API, from the
 *       start of processing to the response; its count is the request count, so {@code rate()} gives produce and
 *       fetch request rates. A Fetch includes its long-poll wait, as in Kafka.</li>
 *   <li>{@code cairn.kafka.request.bytes}, {@code cairn.kafka.response.bytes} (counters, tag {@code api}): bytes in
 *       and out on the wire.</li>
 *   <li>{@code cairn.kafka.request.errors} (counter, tags {@code api}, {@code error}): error codes in responses,
 *       counted per partition or resource that carried one, as Kafka's own {@code ErrorsPerSec}.</li>
 * </ul>
 * Instruments are looked up once per API (a map hit on the request path, not a registry lookup).
 */
@ApplicationScoped
public class KafkaRequestMetrics implements BrokerMetrics {
    static final Metadata LATENCY = Metadata.builder().withName("cairn.kafka.request.latency")
            .withDescription("Time to process a Kafka request and build its response, per API").build();
    static final Metadata REQUEST_BYTES = Metadata.builder().withName("cairn.kafka.request.bytes")
            .withDescription("Bytes of Kafka requests received, per API").withUnit(MetricUnits.BYTES).build();
    static final Metadata RESPONSE_BYTES = Metadata.builder().withName("cairn.kafka.response.bytes")
            .withDescription("Bytes of Kafka responses sent, per API").withUnit(MetricUnits.BYTES).build();
    static final Metadata ERRORS = Metadata.builder().withName("cairn.kafka.request.errors")
            .withDescription("Error codes in Kafka responses, per API and error").build();

    @Inject
    MetricRegistry registry;

    private record Instruments(Timer latency, Counter in, Counter out) {
    }

    private final Map<String, Instruments> perApi = new ConcurrentHashMap<>();
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();

    @Override
    public void requestCompleted(String api, long nanos, int requestBytes, long responseBytes) {
        Instruments i = perApi.computeIfAbsent(api, a -> {
            Tag t = new Tag("api", a);
            return new Instruments(registry.timer(LATENCY, t), registry.counter(REQUEST_BYTES, t),
                    registry.counter(RESPONSE_BYTES, t));
        });
        i.latency().update(Duration.ofNanos(nanos));
        i.in().inc(requestBytes);
        if (responseBytes > 0) {
            i.out().inc(responseBytes);
        }
    }

    @Override
    public void requestErrors(String api, String error, int count) {
        errors.computeIfAbsent(api + ' ' + error,
                k -> registry.counter(ERRORS, new Tag("api", api), new Tag("error", error))).inc(count);
    }
}
