package io.cairn.server;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;

import org.eclipse.microprofile.config.Config;

import io.cairn.log.LogEngineConfig;
import io.cairn.log.LogException;
import io.cairn.log.TopicConfig;

/**
 * The server's settings, read once from MicroProfile Config (system properties, environment variables such as
 * {@code CAIRN_DATA_DIR}, Liberty {@code server.xml} variables, {@code META-INF/microprofile-config.properties}).
 * Every value has a default that runs on a laptop.
 *
 * @param dataDir           {@code cairn.data.dir}: where the log engine keeps its topics. Default {@code cairn-data},
 *                          relative to the working directory, which Liberty sets to the server's output directory
 * @param defaultPartitions {@code cairn.default.partitions}: partitions of a topic created without a count (1)
 * @param flushMessages     {@code cairn.flush.messages}: default {@code flush.messages} of new topics; empty keeps the
 *                          engine's default (1: every append is fsynced before it is acknowledged, see docs/durability.md)
 * @param maxRequestBytes   {@code cairn.request.max.bytes}: largest request body the REST API accepts (1 MiB)
 * @param maxReadRecords    {@code cairn.read.max.records}: most records one read request returns (1000)
 * @param httpHost          {@code cairn.http.host}: host name used in the URLs printed at start-up (localhost)
 * @param httpPort          {@code cairn.http.port}: Liberty's HTTP port, used in the URLs printed at start-up (9080)
 * @param kafka             the Kafka protocol listener's settings
 */
public record Settings(Path dataDir, int defaultPartitions, Optional<Long> flushMessages, int maxRequestBytes,
                       int maxReadRecords, String httpHost, int httpPort, KafkaListener kafka) {

    /**
     * The Kafka wire protocol listener ({@link KafkaListenerHost}): {@code cairn.kafka.enabled} (true),
     * {@code cairn.kafka.host} (localhost: loopback only; {@code *} for every interface), {@code cairn.kafka.port}
     * (9092), {@code cairn.kafka.advertised.host}: the host name clients are told to connect to (default: the host,
     * or {@code localhost} when listening on every interface; set it when remote clients connect).
     */
    public record KafkaListener(boolean enabled, String host, int port, String advertisedHost) {
        public KafkaListener {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("cairn.kafka.port must be between 0 and 65535, not " + port);
            }
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("cairn.kafka.host must not be empty");
            }
            if (advertisedHost == null || advertisedHost.isBlank()) {
                advertisedHost = wildcard(host) ? "localhost" : host;
            }
        }

        public KafkaListener(boolean enabled, String host, int port) {
            this(enabled, host, port, null);
        }

        /** The address to bind: {@code 0.0.0.0} for {@code *}. */
        public String bindHost() {
            return host.equals("*") ? "0.0.0.0" : host;
        }
    }

    private static boolean wildcard(String host) {
        return host.equals("*") || host.equals("0.0.0.0") || host.equals("::");
    }

    public static final int DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;

    public Settings {
        if (defaultPartitions < 1) {
            throw new IllegalArgumentException("cairn.default.partitions must be at least 1, not " + defaultPartitions);
        }
        if (flushMessages.isPresent() && flushMessages.get() < 1) {
            throw new IllegalArgumentException("cairn.flush.messages must be at least 1, not " + flushMessages.get());
        }
        if (maxRequestBytes < 1024) {
            throw new IllegalArgumentException("cairn.request.max.bytes must be at least 1024, not " + maxRequestBytes);
        }
        if (maxReadRecords < 1) {
            throw new IllegalArgumentException("cairn.read.max.records must be at least 1, not " + maxReadRecords);
        }
    }

    public static Settings from(Config c) {
        return new Settings(
                Path.of(c.getOptionalValue("cairn.data.dir", String.class).orElse("cairn-data")),
                c.getOptionalValue("cairn.default.partitions", Integer.class).orElse(1),
                c.getOptionalValue("cairn.flush.messages", Long.class),
                c.getOptionalValue("cairn.request.max.bytes", Integer.class).orElse(DEFAULT_MAX_REQUEST_BYTES),
                c.getOptionalValue("cairn.read.max.records", Integer.class).orElse(1000),
                c.getOptionalValue("cairn.http.host", String.class).orElse("localhost"),
                c.getOptionalValue("cairn.http.port", Integer.class).orElse(9080),
                new KafkaListener(
                        c.getOptionalValue("cairn.kafka.enabled", Boolean.class).orElse(true),
                        c.getOptionalValue("cairn.kafka.host", String.class).orElse("localhost"),
                        c.getOptionalValue("cairn.kafka.port", Integer.class).orElse(9092),
                        c.getOptionalValue("cairn.kafka.advertised.host", String.class).orElse(null)));
    }

    /** The engine's configuration: these settings over the engine's own defaults, its threads from the engine's. */
    public LogEngineConfig engineConfig() {
        return engineConfig(null);
    }

    /**
     * The engine's configuration with its threads from {@code threads} (Liberty's managed thread factory in the
     * server, so the scheduler, cleaner and recovery threads belong to the application); null: plain daemon threads.
     */
    public LogEngineConfig engineConfig(ThreadFactory threads) {
        Map<String, String> topicDefaults = new HashMap<>();
        flushMessages.ifPresent(n -> topicDefaults.put(TopicConfig.FLUSH_MESSAGES, Long.toString(n)));
        try {
            return LogEngineConfig.builder(dataDir.toAbsolutePath()).defaultTopicConfig(topicDefaults)
                    .threadFactory(threads).build();
        } catch (LogException e) {
            throw new IllegalArgumentException("Invalid engine settings: " + e.getMessage(), e);
        }
    }

    /** Where a browser on this machine reaches the server ({@code localhost} when listening on every interface). */
    public String baseUrl() {
        String host = wildcard(httpHost) ? "localhost" : httpHost;
        return "http://" + host + ":" + httpPort;
    }
}
