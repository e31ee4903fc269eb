package io.cairn.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The metrics hook sees every answered request with its size, latency and error codes, from stock clients. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BrokerMetricsTest {
    @TempDir
    Path dir;

    /** Sums per API, as a metrics system would keep them. */
    static final class Recorder implements BrokerMetrics {
        final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
        final Map<String, LongAdder> bytesIn = new ConcurrentHashMap<>();
        final Map<String, LongAdder> bytesOut = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> maxNanos = new ConcurrentHashMap<>();
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        final Set<String> apis = ConcurrentHashMap.newKeySet();

        @Override
        public void requestCompleted(String api, long nanos, int requestBytes, long responseBytes) {
            apis.add(api);
            requests.computeIfAbsent(api, k -> new LongAdder()).increment();
            bytesIn.computeIfAbsent(api, k -> new LongAdder()).add(requestBytes);
            bytesOut.computeIfAbsent(api, k -> new LongAdder()).add(responseBytes);
            maxNanos.computeIfAbsent(api, k -> new AtomicLong()).accumulateAndGet(nanos, Math::max);
        }

        @Override
        public void requestErrors(String api, String error, int count) {
            errors.computeIfAbsent(api + "/" + error, k -> new LongAdder()).add(count);
        }

        long sum(Map<String, ? extends Number> m, String key) {
            Number n = m.get(key);
            return n == null ? 0 : n.longValue();
        }
    }

    @Test
    void producesFetchesAndErrorsAreReportedPerApi() throws Exception {
        Recorder rec = new Recorder();
        try (BrokerFixture fx = new BrokerFixture(dir, b -> b.metrics(rec)); Admin admin = fx.admin()) {
            admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            byte[] value = new byte[1000];
            try (KafkaProducer<String, String> p = fx.producer(Map.of())) {
                for (int i = 0; i < 5; i++) {
                    p.send(new ProducerRecord<>("t", "k" + i, new String(value))).get();
                }
            }
            try (KafkaConsumer<String, String> c = fx.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g"))) {
                c.subscribe(List.of("t"));
                assertThat(BrokerFixture.pollUntil(c, 5, Duration.ofSeconds(30))).hasSize(5);
            }
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicExistsException.class);
        }
        assertThat(rec.apis).contains("Produce", "Fetch", "Metadata", "ApiVersions", "CreateTopics", "JoinGroup");
        assertThat(rec.sum(rec.requests, "Produce")).isEqualTo(5);
        assertThat(rec.sum(rec.bytesIn, "Produce")).as("five requests carrying 1000-byte values").isGreaterThan(5_000);
        assertThat(rec.sum(rec.bytesOut, "Fetch")).as("the records went out in fetch responses").isGreaterThan(5_000);
        assertThat(rec.sum(rec.maxNanos, "Produce")).isPositive();
        assertThat(rec.sum(rec.errors, "CreateTopics/TOPIC_ALREADY_EXISTS")).isEqualTo(1);
        assertThat(rec.errors.keySet()).noneMatch(k -> k.endsWith("/NONE"));
    }

    @Test
    void aFailingHookDoesNotFailRequests() throws Exception {
        BrokerMetrics broken = new BrokerMetrics() {
            @Override
            public void requestCompleted(String api, long nanos, int requestBytes, long responseBytes) {
                throw new IllegalStateException("metrics backend down");
            }

            @Override
            public void requestErrors(String api, String error, int count) {
                throw new IllegalStateException("metrics backend down");
            }
        };
        try (BrokerFixture fx = new BrokerFixture(dir, b -> b.metrics(broken)); Admin admin = fx.admin()) {
            admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            try (KafkaProducer<String, String> p = fx.producer(Map.of())) {
                assertThat(p.send(new ProducerRecord<>("t", "k", "v")).get().offset()).isZero();
            }
        }
    }
}
