package io.cairn.projections;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Settings of a {@link ProjectionRuntime}.
 *
 * @param batchSize        most events applied in one transaction (per partition)
 * @param maxDelay         longest an event waits for its batch to fill before the batch is applied anyway
 * @param workers          threads per projection; partitions are dealt to them round robin
 * @param retries          attempts at a failing event before it goes to the dead-letter topic
 * @param onPoison         what a projection does after dead-lettering an event
 * @param deadLetterTopic  the topic that receives poison events (created with one partition when missing)
 * @param metaSchema       schema of the runtime's own tables (projections, offsets); generation schemas start with it
 * @param readSchema       schema of the views readers query
 * @param retryBackoff     first wait after a database failure (doubles up to 5 s)
 * @param threadFactory    makes the worker threads (Liberty's managed thread factory in the server)
 */
public record ProjectionConfig(int batchSize, Duration maxDelay, int workers, int retries, PoisonPolicy onPoison,
                               String deadLetterTopic, String metaSchema, String readSchema, Duration retryBackoff,
                               ThreadFactory threadFactory) {

    /** After an event was sent to the dead-letter topic: carry on with the next one, or stop the partition. */
    public enum PoisonPolicy { CONTINUE, STOP }

    public static final String DEFAULT_DEAD_LETTER_TOPIC = "cairn-projections-dead-letters";

    public ProjectionConfig {
        if (batchSize < 1 || batchSize > 100_000) {
            throw new IllegalArgumentException("batchSize must be 1..100000, was " + batchSize);
        }
        if (workers < 1 || workers > 64) {
            throw new IllegalArgumentException("workers must be 1..64, was " + workers);
        }
        if (retries < 1 || retries > 100) {
            throw new IllegalArgumentException("retries must be 1..100, was " + retries);
        }
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(onPoison, "onPoison");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        Objects.requireNonNull(threadFactory, "threadFactory");
        Sql.checkName("metaSchema", metaSchema, 20);
        Sql.checkName("readSchema", readSchema, 63);
        if (deadLetterTopic == null || deadLetterTopic.isBlank()) {
            throw new IllegalArgumentException("deadLetterTopic must be set");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int batchSize = 2000;
        private Duration maxDelay = Duration.ofMillis(20);
        private int workers = 1;
        private int retries = 3;
        private PoisonPolicy onPoison = PoisonPolicy.CONTINUE;
        private String deadLetterTopic = DEFAULT_DEAD_LETTER_TOPIC;
        private String metaSchema = "cairn_projections";
        private String readSchema = "public";
        private Duration retryBackoff = Duration.ofMillis(200);
        private ThreadFactory threadFactory;

        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder maxDelay(Duration v) { maxDelay = v; return this; }
        public Builder workers(int v) { workers = v; return this; }
        public Builder retries(int v) { retries = v; return this; }
        public Builder onPoison(PoisonPolicy v) { onPoison = v; return this; }
        public Builder deadLetterTopic(String v) { deadLetterTopic = v; return this; }
        public Builder metaSchema(String v) { metaSchema = v; return this; }
        public Builder readSchema(String v) { readSchema = v; return this; }
        public Builder retryBackoff(Duration v) { retryBackoff = v; return this; }
        public Builder threadFactory(ThreadFactory v) { threadFactory = v; return this; }

        public ProjectionConfig build() {
            ThreadFactory tf = threadFactory;
            if (tf == null) {
                AtomicInteger n = new AtomicInteger();
                ThreadFactory base = Executors.defaultThreadFactory();
                tf = r -> {
                    Thread t = base.newThread(r);
                    t.setName("cairn-projection-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                };
            }
            return new ProjectionConfig(batchSize, maxDelay, workers, retries, onPoison, deadLetterTopic, metaSchema,
                    readSchema, retryBackoff, tf);
        }
    }
}
