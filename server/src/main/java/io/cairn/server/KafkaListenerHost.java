package io.cairn.server;

import java.util.List;
import java.util.concurrent.ThreadFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.log.LogEngine;
import io.cairn.log.kafka.BrokerMetrics;
import io.cairn.log.kafka.ConsumerGroupInfo;
import io.cairn.log.kafka.KafkaBroker;
import io.cairn.log.kafka.KafkaBrokerConfig;

/**
 * The Kafka wire protocol listener inside the application: a {@link KafkaBroker} on the open engine, started by
 * {@link EngineLifecycle} once the engine has opened and closed before the engine closes. Its threads come from the
 * given factory (Liberty's managed thread factory in the server), so they belong to the application.
 *
 * <p>States:
 * <pre>
 *   WAITING ──engine opened, port bound──► LISTENING ──application stops──► STOPPED
 *      │  └──────engine opened, bind failed──► FAILED ──application stops──────▲
 *      └──application stops (engine never opened)──────────────────────────────┘
 *   DISABLED (cairn.kafka.enabled=false) stays DISABLED
 * </pre>
 * A listener that cannot bind (port taken) does not fail the engine: the REST API keeps serving, and the listener's
 * readiness check is DOWN with the reason.
 *
 * <p>Thread-safety: safe for concurrent use; transitions are serialized on this object.
 */
public final class KafkaListenerHost {
    private static final Logger log = LoggerFactory.getLogger(KafkaListenerHost.class);

    public enum State {
        DISABLED, WAITING, LISTENING, FAILED, STOPPED;

        /** Ready: serving, or deliberately off. */
        public boolean ready() {
            return this == LISTENING || this == DISABLED;
        }
    }

    /**
     * What the listener is doing.
     *
     * @param address     {@code host:port} for a client's {@code bootstrap.servers} (the advertised host and the bound
     *                    port when listening, the configured ones otherwise)
     * @param connections open client connections
     * @param failure     why it is not listening, or null
     */
    public record Status(State state, String address, int connections, String failure) {
    }

    private final Settings.KafkaListener settings;
    private final ThreadFactory threads;
    private final BrokerMetrics metrics;
    private State state;
    private KafkaBroker broker;
    private String failure;

    KafkaListenerHost(Settings.KafkaListener settings, ThreadFactory threads, BrokerMetrics metrics) {
        this.settings = settings;
        this.threads = threads;
        this.metrics = metrics;
        this.state = settings.enabled() ? State.WAITING : State.DISABLED;
    }

    /** Binds the port and serves {@code engine}; records a failure instead of throwing. No-op unless WAITING. */
    synchronized void start(LogEngine engine, int defaultPartitions) {
        if (state != State.WAITING) {
            return;
        }
        KafkaBroker b = new KafkaBroker(engine, brokerConfig(defaultPartitions));
        try {
            b.start();
        } catch (RuntimeException e) {
            failure = e.getMessage();
            state = State.FAILED;
            log.error("The Kafka listener could not start on {}:{}: {} (the REST API keeps serving)", settings.host(),
                    settings.port(), failure, e);
            return;
        }
        broker = b;
        state = State.LISTENING;
    }

    KafkaBrokerConfig brokerConfig(int defaultPartitions) {
        return KafkaBrokerConfig.builder()
                .host(settings.bindHost())
                .port(settings.port())
                .advertisedHost(settings.advertisedHost())
                .defaultPartitions(defaultPartitions)
                .threadFactory(threads)
                .metrics(metrics)
                .build();
    }

    /** Stops serving (closes every client connection); leaves the engine open. Idempotent. */
    synchronized void stop() {
        if (state == State.DISABLED || state == State.STOPPED) {
            return;
        }
        state = State.STOPPED;
        KafkaBroker b = broker;
        broker = null;
        if (b != null) {
            b.close();
        }
    }

    public synchronized Status status() {
        KafkaBroker b = broker;
        return b == null
                ? new Status(state, settings.advertisedHost() + ":" + settings.port(), 0, failure)
                : new Status(state, b.bootstrapServers(), b.connectionCount(), null);
    }

    /** The consumer groups of the running broker (members, committed offsets); empty when not listening. */
    public List<ConsumerGroupInfo> consumerGroups() {
        KafkaBroker b;
        synchronized (this) {
            b = broker;
        }
        return b == null ? List.of() : b.consumerGroups();
    }
}
