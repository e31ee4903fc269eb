package io.cairn.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Streams (4.1.1) runs a word count against a Cairn broker: {@code groupBy(word)} makes Streams create a
 * repartition topic and {@code count()} a compacted changelog topic, both through the AdminClient, and the output topic
 * must end with the right count for every word.
 */
class StreamsWordCountTest {
    private static final String APP = "wordcount";
    private static final String INPUT = "text-input";
    private static final String OUTPUT = "word-counts";

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void wordCountThroughRepartitionAndChangelogTopics() throws Exception {
        List<String> lines = new ArrayList<>();
        String[] vocabulary = {"cairn", "log", "event", "kafka", "stream", "offset", "segment", "batch"};
        for (int i = 0; i < 200; i++) {
            StringBuilder line = new StringBuilder();
            for (int w = 0; w <= i % 7; w++) {
                line.append(vocabulary[(i * 3 + w * 5) % vocabulary.length]).append(w % 2 == 0 ? " " : "  ");
            }
            lines.add(i % 10 == 0 ? line.toString().toUpperCase() : line.toString());
        }
        Map<String, Long> expected = new TreeMap<>();
        for (String line : lines) {
            for (String w : line.toLowerCase().split("\\W+")) {
                if (!w.isEmpty()) {
                    expected.merge(w, 1L, Long::sum);
                }
            }
        }

        Path data = Files.createDirectories(dir.resolve("broker"));
        Path state = Files.createDirectories(dir.resolve("streams-state"));
        try (BrokerFixture fx = new BrokerFixture(data); Admin admin = fx.admin()) {
            admin.createTopics(List.of(new NewTopic(INPUT, 2, (short) 1), new NewTopic(OUTPUT, 2, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> p = fx.producer(Map.of())) {
                for (int i = 0; i < lines.size(); i++) {
                    p.send(new ProducerRecord<>(INPUT, "line-" + i, lines.get(i)));
                }
                p.flush();
            }

            StreamsBuilder builder = new StreamsBuilder();
            builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
                    .flatMapValues(line -> Arrays.asList(line.toLowerCase().split("\\W+")))
                    .filter((k, w) -> !w.isEmpty())
                    .groupBy((k, w) -> w, Grouped.with("by-word", Serdes.String(), Serdes.String()))
                    .count(Materialized.as("counts"))
                    .toStream()
                    .to(OUTPUT, Produced.with(Serdes.String(), Serdes.Long()));

            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, fx.bootstrap());
            props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
            props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
            props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
            props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
            props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1_000);

            Map<String, Long> finalCounts = new TreeMap<>();
            long t0 = System.nanoTime();
            try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
                streams.setUncaughtExceptionHandler(e -> {
                    e.printStackTrace();
                    return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                });
                streams.start();

                try (KafkaConsumer<String, Long> out = outputConsumer(fx)) {
                    out.subscribe(List.of(OUTPUT));
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                    while (!finalCounts.equals(expected) && System.nanoTime() < deadline) {
                        assertThat(streams.state()).as("streams state").isNotIn(KafkaStreams.State.ERROR,
                                KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.NOT_RUNNING);
                        for (ConsumerRecord<String, Long> r : out.poll(Duration.ofMillis(200))) {
                            finalCounts.put(r.key(), r.value()); // last value per key (partition order = update order)
                        }
                    }
                }
                System.out.printf("Streams word count: %d words, %d distinct, final counts after %d ms%n",
                        expected.values().stream().mapToLong(Long::longValue).sum(), expected.size(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                assertThat(finalCounts).isEqualTo(expected);

                // The internal topics were created by Streams through the AdminClient, with the configs it asked for.
                String repartition = APP + "-by-word-repartition";
                String changelog = APP + "-counts-changelog";
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertThat(topics).contains(repartition, changelog);
                Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(
                        new ConfigResource(ConfigResource.Type.TOPIC, changelog),
                        new ConfigResource(ConfigResource.Type.TOPIC, repartition))).all().get(30, TimeUnit.SECONDS);
                assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, changelog))
                        .get("cleanup.policy").value()).isEqualTo("compact");
                assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, repartition))
                        .get("cleanup.policy").value()).isEqualTo("delete");
                // Both have as many partitions as the input (Streams' co-partitioning).
                assertThat(admin.describeTopics(List.of(repartition, changelog)).allTopicNames().get(30, TimeUnit.SECONDS)
                        .values()).allSatisfy(d -> assertThat(d.partitions()).hasSize(2));
                // The changelog holds the state: its last value per word is the count.
                Map<String, Long> changelogCounts = lastValues(fx, changelog, expected.size());
                assertThat(changelogCounts).isEqualTo(expected);
            }
        }
    }

    private static KafkaConsumer<String, Long> outputConsumer(BrokerFixture fx) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, fx.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "wordcount-verifier-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p, new StringDeserializer(), new LongDeserializer());
    }

    /** Reads {@code topic} from the start to its end (assigned, no group) and keeps the last value per key. */
    private static Map<String, Long> lastValues(BrokerFixture fx, String topic, int keys) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, fx.bootstrap());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, Long> last = new TreeMap<>();
        try (KafkaConsumer<String, Long> c = new KafkaConsumer<>(p, new StringDeserializer(), new LongDeserializer())) {
            var parts = c.partitionsFor(topic).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, Long> r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() != null) {
                        last.put(r.key(), r.value());
                    }
                }
            }
        }
        return last;
    }
}
