package io.cairn.log.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A log engine on a temporary directory served by a {@link KafkaBroker} on an ephemeral port, plus client helpers. */
final class BrokerFixture implements AutoCloseable {
    static {
        // The clients log every config and connection at INFO; keep the test output readable.
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    }

    final Path dir;
    final UnaryOperator<KafkaBrokerConfig.Builder> tweak;
    LogEngine engine;
    KafkaBroker broker;

    BrokerFixture(Path dir) {
        this(dir, b -> b);
    }

    BrokerFixture(Path dir, UnaryOperator<KafkaBrokerConfig.Builder> tweak) {
        this.dir = dir;
        this.tweak = tweak;
        start(0);
    }

    /** Starts on {@code port} (0: any free port). */
    void start(int port) {
        engine = LogEngine.open(LogEngineConfig.builder(dir).build());
        broker = new KafkaBroker(engine, tweak.apply(KafkaBrokerConfig.builder().port(port)
                .groupInitialRebalanceDelayMs(200).workerThreads(4).ioThreads(1)).build()).start();
    }

    /** Stops the broker and the engine, and starts them again on the same data and port. */
    void restart() {
        int port = broker.port();
        close();
        start(port);
    }

    String bootstrap() {
        return broker.bootstrapServers();
    }

    Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(p);
    }

    KafkaProducer<String, String> producer(Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    KafkaConsumer<String, String> consumer(Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putAll(extra);
        return new KafkaConsumer<>(p);
    }

    /** Polls until {@code count} records arrived or {@code timeout} passed. */
    static List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> c, int count, Duration timeout) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.size() < count && System.nanoTime() < deadline) {
            c.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }

    @Override
    public void close() {
        if (broker != null) {
            broker.close();
        }
        if (engine != null) {
            engine.close();
        }
    }
}
