package io.cairn.server.projections;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;

import org.eclipse.microprofile.config.Config;

import io.cairn.projections.ProjectionConfig;

/**
 * The projections' settings, read from MicroProfile Config ({@code cairn.projections.*}, or environment variables
 * such as {@code CAIRN_PROJECTIONS_BATCH_SIZE}).
 *
 * @param enabled {@code cairn.projections.enabled} (true): run projections at all
 * @param bank    {@code cairn.projections.bank} (true): run the example bank's read models
 */
record ProjectionSettings(boolean enabled, boolean bank, int batchSize, long maxDelayMs, int workers, int retries,
                          ProjectionConfig.PoisonPolicy onPoison, String deadLetterTopic, String metaSchema,
                          String readSchema) {

    static ProjectionSettings from(Config c) {
        String poison = c.getOptionalValue("cairn.projections.on.poison", String.class).orElse("continue").trim();
        ProjectionConfig.PoisonPolicy policy;
        try {
            policy = ProjectionConfig.PoisonPolicy.valueOf(poison.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cairn.projections.on.poison must be continue or stop, not '" + poison + "'");
        }
        return new ProjectionSettings(
                c.getOptionalValue("cairn.projections.enabled", Boolean.class).orElse(true),
                c.getOptionalValue("cairn.projections.bank", Boolean.class).orElse(true),
                c.getOptionalValue("cairn.projections.batch.size", Integer.class).orElse(2000),
                c.getOptionalValue("cairn.projections.max.delay.ms", Long.class).orElse(20L),
                c.getOptionalValue("cairn.projections.workers", Integer.class).orElse(1),
                c.getOptionalValue("cairn.projections.retries", Integer.class).orElse(3),
                policy,
                c.getOptionalValue("cairn.projections.dead.letter.topic", String.class)
                        .orElse(ProjectionConfig.DEFAULT_DEAD_LETTER_TOPIC),
                c.getOptionalValue("cairn.projections.meta.schema", String.class).orElse("cairn_projections"),
                c.getOptionalValue("cairn.projections.read.schema", String.class).orElse("public"));
    }

    /** The runtime's config; fails with the setting's name when a value is out of range. */
    ProjectionConfig config(ThreadFactory threads) {
        try {
            return build(threads);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cairn.projections.*: " + e.getMessage() + " (batch.size, workers, "
                    + "retries, meta.schema, read.schema, dead.letter.topic)", e);
        }
    }

    private ProjectionConfig build(ThreadFactory threads) {
        return ProjectionConfig.builder().batchSize(batchSize).maxDelay(Duration.ofMillis(maxDelayMs)).workers(workers)
                .retries(retries).onPoison(onPoison).deadLetterTopic(deadLetterTopic).metaSchema(metaSchema)
                .readSchema(readSchema).threadFactory(threads).build();
    }
}
