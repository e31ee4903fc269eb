package io.cairn.log;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * Settings of a {@link LogEngine}. Build with {@link #builder(Path)}; every value has a default that runs on a laptop.
 *
 * @param dataDir                 where topics live (created if missing)
 * @param clock                   time source for timestamps, rolling, retention and compaction (inject for tests)
 * @param defaultTopicConfig      overrides applied to every new topic before its own
 * @param maxTopics               limit on the number of topics
 * @param maxPartitionsPerTopic   limit on partitions of one topic
 * @param maxPartitions           limit on partitions in the engine
 * @param verifyReads             check each batch's CRC when it is read (corruption is reported, never served)
 * @param flushCheckIntervalMs    how often {@code flush.ms} deadlines are checked
 * @param retentionCheckIntervalMs how often retention runs
 * @param checkpointIntervalMs    how often recovery points are persisted
 * @param cleanerIntervalMs       how often compaction looks for work (0 disables the background cleaner)
 * @param cleanerMaxKeys          keys the cleaner's map holds in one pass (24 bytes each, allocated once)
 * @param recoveryThreads         threads that open partitions at start-up
 * @param threadFactory           makes every thread of the engine (scheduler, cleaner, recovery pool); the engine
 *                                names them {@code cairn-log-<role>-<n>}. Null: plain daemon threads. A container
 *                                passes its managed thread factory (Jakarta Concurrency's {@code ManagedThreadFactory})
 *                                so that the threads belong to the application and end with it
 */
public record LogEngineConfig(Path dataDir, Clock clock, Map<String, String> defaultTopicConfig, int maxTopics,
                              int maxPartitionsPerTopic, int maxPartitions, boolean verifyReads,
                              long flushCheckIntervalMs, long retentionCheckIntervalMs, long checkpointIntervalMs,
                              long cleanerIntervalMs, int cleanerMaxKeys, int recoveryThreads,
                              ThreadFactory threadFactory) {

    public LogEngineConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clock, "clock");
        defaultTopicConfig = Map.copyOf(defaultTopicConfig);
        TopicConfig.of(defaultTopicConfig); // validates names and values now rather than at the first create
        positive("maxTopics", maxTopics);
        positive("maxPartitionsPerTopic", maxPartitionsPerTopic);
        positive("maxPartitions", maxPartitions);
        positive("flushCheckIntervalMs", flushCheckIntervalMs);
        positive("retentionCheckIntervalMs", retentionCheckIntervalMs);
        positive("checkpointIntervalMs", checkpointIntervalMs);
        if (cleanerIntervalMs < 0) {
            throw new LogException.InvalidConfigException("cleanerIntervalMs must be >= 0");
        }
        positive("cleanerMaxKeys", cleanerMaxKeys);
        positive("recoveryThreads", recoveryThreads);
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new LogException.InvalidConfigException(name + " must be positive, not " + v);
        }
    }

    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    public static final class Builder {
        private final Path dataDir;
        private Clock clock = Clock.systemUTC();
        private Map<String, String> defaults = Map.of();
        private int maxTopics = 10_000;
        private int maxPartitionsPerTopic = 4_096;
        private int maxPartitions = 20_000;
        private boolean verifyReads = true;
        private long flushCheckIntervalMs = 10;
        private long retentionCheckIntervalMs = 5 * 60_000;
        private long checkpointIntervalMs = 60_000;
        private long cleanerIntervalMs = 15_000;
        private int cleanerMaxKeys = 1_000_000;
        private int recoveryThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private ThreadFactory threadFactory;

        private Builder(Path dataDir) {
            this.dataDir = dataDir;
        }

        public Builder clock(Clock v) {
            clock = v;
            return this;
        }

        public Builder defaultTopicConfig(Map<String, String> v) {
            defaults = v;
            return this;
        }

        public Builder maxTopics(int v) {
            maxTopics = v;
            return this;
        }

        public Builder maxPartitionsPerTopic(int v) {
            maxPartitionsPerTopic = v;
            return this;
        }

        public Builder maxPartitions(int v) {
            maxPartitions = v;
            return this;
        }

        public Builder verifyReads(boolean v) {
            verifyReads = v;
            return this;
        }

        public Builder flushCheckIntervalMs(long v) {
            flushCheckIntervalMs = v;
            return this;
        }

        public Builder retentionCheckIntervalMs(long v) {
            retentionCheckIntervalMs = v;
            return this;
        }

        public Builder checkpointIntervalMs(long v) {
            checkpointIntervalMs = v;
            return this;
        }

        /** 0 turns the background cleaner off ({@link LogEngine#runCompaction()} still works). */
        public Builder cleanerIntervalMs(long v) {
            cleanerIntervalMs = v;
            return this;
        }

        public Builder cleanerMaxKeys(int v) {
            cleanerMaxKeys = v;
            return this;
        }

        public Builder recoveryThreads(int v) {
            recoveryThreads = v;
            return this;
        }

        /** Where the engine's threads come from (default: plain daemon threads); see {@link LogEngineConfig}. */
        public Builder threadFactory(ThreadFactory v) {
            threadFactory = v;
            return this;
        }

        public LogEngineConfig build() {
            return new LogEngineConfig(dataDir, clock, defaults, maxTopics, maxPartitionsPerTopic, maxPartitions,
                    verifyReads, flushCheckIntervalMs, retentionCheckIntervalMs, checkpointIntervalMs,
                    cleanerIntervalMs, cleanerMaxKeys, recoveryThreads, threadFactory);
        }
    }
}
