package io.cairn.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Stock producer and consumer (kafka-clients 4.1.1) against the broker: acks levels, codecs, offsets by timestamp. */
class ProduceConsumeTest {
    @TempDir
    static Path dir;
    static BrokerFixture fx;

    @BeforeAll
    static void start() {
        fx = new BrokerFixture(dir);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = fx.admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
    }

    static List<ConsumerRecord<String, String>> readAll(String topic, int partitions, int expected) {
        try (KafkaConsumer<String, String> c = fx.consumer(Map.of())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                tps.add(new TopicPartition(topic, i));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            return BrokerFixture.pollUntil(c, expected, Duration.ofSeconds(30));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "all"})
    void produceAndConsumeWithEachAcksLevel(String acks) throws Exception {
        String topic = "acks-" + acks;
        createTopic(topic, 2);
        int n = 2_000;
        try (KafkaProducer<String, String> p = fx.producer(Map.of(ProducerConfig.ACKS_CONFIG, acks))) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sent.add(p.send(new ProducerRecord<>(topic, "k" + i, "v" + i)));
            }
            p.flush();
            for (Future<RecordMetadata> f : sent) {
                RecordMetadata md = f.get();
                if (!acks.equals("0")) {
                    assertThat(md.offset()).isGreaterThanOrEqualTo(0);
                }
            }
        }
        List<ConsumerRecord<String, String>> got = readAll(topic, 2, n);
        assertThat(got.size()).isEqualTo(n);
        assertThat(got.stream().map(ConsumerRecord::value).distinct().count()).isEqualTo(n);
        for (ConsumerRecord<String, String> r : got) {
            assertThat(r.value()).isEqualTo("v" + r.key().substring(1));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void compressionCodecsRoundTrip(String codec) throws Exception {
        String topic = "codec-" + codec;
        createTopic(topic, 1);
        int n = 1_000;
        try (KafkaProducer<String, String> p = fx.producer(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec))) {
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>(topic, "k" + i, "value-" + i + "-" + "x".repeat(i % 50)));
            }
            p.flush();
        }
        List<ConsumerRecord<String, String>> got = readAll(topic, 1, n);
        assertThat(got.size()).isEqualTo(n);
        for (int i = 0; i < n; i++) {
            assertThat(got.get(i).offset()).isEqualTo(i);
            assertThat(got.get(i).value()).isEqualTo("value-" + i + "-" + "x".repeat(i % 50));
        }
    }

    @Test
    void offsetsForTimesFindsTheFirstRecordAtOrAfterATimestamp() throws Exception {
        String topic = "by-time";
        createTopic(topic, 1);
        long base = 1_700_000_000_000L;
        try (KafkaProducer<String, String> p = fx.producer(Map.of())) {
            for (int i = 0; i < 100; i++) {
                p.send(new ProducerRecord<>(topic, 0, base + i * 1000L, "k" + i, "v" + i));
            }
            p.flush();
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> c = fx.consumer(Map.of())) {
            c.assign(List.of(tp));
            Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(Map.of(tp, base + 41_500L));
            assertThat(found.get(tp).offset()).isEqualTo(42);
            assertThat(found.get(tp).timestamp()).isEqualTo(base + 42_000L);
            assertThat(c.offsetsForTimes(Map.of(tp, base + 1_000_000L)).get(tp)).isNull();
            c.seek(tp, found.get(tp).offset());
            List<ConsumerRecord<String, String>> got = BrokerFixture.pollUntil(c, 58, Duration.ofSeconds(20));
            assertThat(got.size()).isEqualTo(58);
            assertThat(got.get(0).value()).isEqualTo("v42");
            assertThat(c.beginningOffsets(List.of(tp)).get(tp)).isZero();
            assertThat(c.endOffsets(List.of(tp)).get(tp)).isEqualTo(100);
        }
        try (Admin admin = fx.admin()) {
            var max = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.maxTimestamp())).all().get().get(tp);
            assertThat(max.offset()).isEqualTo(99);
            assertThat(max.timestamp()).isEqualTo(base + 99_000L);
        }
    }
}
