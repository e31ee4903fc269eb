package io.cairn.log.kafka;

import java.util.concurrent.ThreadFactory;

import io.cairn.log.LogException;

/**
 * Settings of a {@link KafkaBroker}. Build with {@link #builder()}; the defaults serve a laptop on loopback.
 *
 * @param host                         address to bind (and to advertise, unless {@code advertisedHost} is set)
 * @param port                         port to bind; 0 picks a free one (read it back with {@link KafkaBroker#port()})
 * @param advertisedHost               host name given to clients in Metadata and FindCoordinator (null: {@code host})
 * @param nodeId                       the broker's node id; it leads every partition
 * @param clusterId                    cluster id reported to clients
 * @param maxFrameBytes                largest request accepted; a larger size prefix closes the connection
 * @param maxConnections               connections beyond this are closed as soon as they are accepted
 * @param maxInFlightRequests          requests read ahead of the one being processed, per connection; past it the
 *                                     connection is not read until one completes (back pressure)
 * @param ioThreads                    Netty event loop threads
 * @param workerThreads                threads that process requests (appends may fsync on them)
 * @param autoCreateTopics             create unknown topics named in Metadata requests that allow it
 * @param defaultPartitions            partitions of auto-created topics and of CreateTopics without a count
 * @param groupMinSessionTimeoutMs     smallest session timeout a group member may ask for
 * @param groupMaxSessionTimeoutMs     largest session timeout a group member may ask for
 * @param groupInitialRebalanceDelayMs how long a rebalance of an empty group waits for more members
 * @param offsetsTopicPartitions       partitions of {@code __consumer_offsets} when it is created
 * @param producerStateScanBytes       bytes at the tail of a partition scanned to rebuild idempotent producer state
 * @param threadFactory                makes every thread of the broker (accept and I/O event loops, request workers,
 *                                     timer); the broker names them {@code cairn-kafka-<role>-<n>}. Null: the broker
 *                                     makes plain daemon threads. A container passes its managed thread factory
 *                                     (e.g. Jakarta Concurrency's {@code ManagedThreadFactory}), so that the threads
 *                                     belong to the application
 * @param metrics                      told about every request (latency, sizes, error codes); null: nobody
 */
public record KafkaBrokerConfig(String host, int port, String advertisedHost, int nodeId, String clusterId,
                                int maxFrameBytes, int maxConnections, int maxInFlightRequests, int ioThreads,
                                int workerThreads, boolean autoCreateTopics, int defaultPartitions,
                                int groupMinSessionTimeoutMs, int groupMaxSessionTimeoutMs,
                                int groupInitialRebalanceDelayMs, int offsetsTopicPartitions,
                                long producerStateScanBytes, ThreadFactory threadFactory,
                                BrokerMetrics metrics) {

    public KafkaBrokerConfig {
        if (port < 0 || port > 65535) {
            throw new LogException.InvalidConfigException("port must be between 0 and 65535, not " + port);
        }
        positive("maxFrameBytes", maxFrameBytes);
        positive("maxConnections", maxConnections);
        positive("maxInFlightRequests", maxInFlightRequests);
        positive("ioThreads", ioThreads);
        positive("workerThreads", workerThreads);
        positive("defaultPartitions", defaultPartitions);
        positive("groupMinSessionTimeoutMs", groupMinSessionTimeoutMs);
        positive("offsetsTopicPartitions", offsetsTopicPartitions);
        if (groupMaxSessionTimeoutMs < groupMinSessionTimeoutMs) {
            throw new LogException.InvalidConfigException("groupMaxSessionTimeoutMs must be >= groupMinSessionTimeoutMs");
        }
        if (groupInitialRebalanceDelayMs < 0 || producerStateScanBytes < 0 || nodeId < 0) {
            throw new LogException.InvalidConfigException("groupInitialRebalanceDelayMs, producerStateScanBytes and nodeId must be >= 0");
        }
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new LogException.InvalidConfigException(name + " must be positive, not " + v);
        }
    }

    public String advertised() {
        return advertisedHost == null ? host : advertisedHost;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 9092;
        private String advertisedHost;
        private int nodeId;
        private String clusterId = "cairn-cluster";
        private int maxFrameBytes = 100 * 1024 * 1024;
        private int maxConnections = 1_000;
        private int maxInFlightRequests = 5;
        private int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        private int workerThreads = Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
        private boolean autoCreateTopics;
        private int defaultPartitions = 1;
        private int groupMinSessionTimeoutMs = 6_000;
        private int groupMaxSessionTimeoutMs = 1_800_000;
        private int groupInitialRebalanceDelayMs = 3_000;
        private int offsetsTopicPartitions = 1;
        private long producerStateScanBytes = 64L * 1024 * 1024;
        private ThreadFactory threadFactory;
        private BrokerMetrics metrics;

        public Builder host(String v) {
            host = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder advertisedHost(String v) {
            advertisedHost = v;
            return this;
        }

        public Builder nodeId(int v) {
            nodeId = v;
            return this;
        }

        public Builder clusterId(String v) {
            clusterId = v;
            return this;
        }

        public Builder maxFrameBytes(int v) {
            maxFrameBytes = v;
            return this;
        }

        public Builder maxConnections(int v) {
            maxConnections = v;
            return this;
        }

        public Builder maxInFlightRequests(int v) {
            maxInFlightRequests = v;
            return this;
        }

        public Builder ioThreads(int v) {
            ioThreads = v;
            return this;
        }

        public Builder workerThreads(int v) {
            workerThreads = v;
            return this;
        }

        public Builder autoCreateTopics(boolean v) {
            autoCreateTopics = v;
            return this;
        }

        public Builder defaultPartitions(int v) {
            defaultPartitions = v;
            return this;
        }

        public Builder groupMinSessionTimeoutMs(int v) {
            groupMinSessionTimeoutMs = v;
            return this;
        }

        public Builder groupMaxSessionTimeoutMs(int v) {
            groupMaxSessionTimeoutMs = v;
            return this;
        }

        public Builder groupInitialRebalanceDelayMs(int v) {
            groupInitialRebalanceDelayMs = v;
            return this;
        }

        public Builder offsetsTopicPartitions(int v) {
            offsetsTopicPartitions = v;
            return this;
        }

        public Builder producerStateScanBytes(long v) {
            producerStateScanBytes = v;
            return this;
        }

        public Builder threadFactory(ThreadFactory v) {
            threadFactory = v;
            return this;
        }

        public Builder metrics(BrokerMetrics v) {
            metrics = v;
            return this;
        }

        public KafkaBrokerConfig build() {
            return new KafkaBrokerConfig(host, port, advertisedHost, nodeId, clusterId, maxFrameBytes, maxConnections,
                    maxInFlightRequests, ioThreads, workerThreads, autoCreateTopics, defaultPartitions,
                    groupMinSessionTimeoutMs, groupMaxSessionTimeoutMs, groupInitialRebalanceDelayMs,
                    offsetsTopicPartitions, producerStateScanBytes, threadFactory, metrics);
        }
    }
}
