package io.cairn.bench.kafka;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produce→consume round trips timed with {@link System#nanoTime()} (Kafka's EndToEndLatency reports whole
 * milliseconds only). One record at a time: send, then poll until that record comes back. The consumer long-polls as a
 * real application does ({@code fetch.min.bytes=1}, {@code fetch.max.wait.ms=500}), so the figure includes how fast
 * the broker wakes a waiting fetch; the producer sends at once ({@code linger.ms=0}).
 *
 * <pre>LatencyProbe bootstrap topic records acks recordSize warmupRecords</pre>
 * Prints one line: {@code probe records=N avg_us=.. p50_us=.. p99_us=.. p999_us=.. max_us=..}.
 */
public final class LatencyProbe {
    private LatencyProbe() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        int n = Integer.parseInt(args[2]);
        String acks = args[3];
        int size = Integer.parseInt(args[4]);
        int warmup = Integer.parseInt(args[5]);

        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.ACKS_CONFIG, acks);
        pp.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        cp.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        cp.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());

        long[] micros = new long[n];
        byte[] value = new byte[size];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp);
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            for (int i = 0; i < warmup + n; i++) {
                value[0] = (byte) i;
                value[size - 1] = (byte) (i >>> 8);
                long t0 = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, 0, null, value));
                boolean got = false;
                long deadline = t0 + Duration.ofSeconds(30).toNanos();
                while (!got) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(1000))) {
                        if (!Arrays.equals(r.value(), value)) {
                            throw new IllegalStateException("Unexpected record at offset " + r.offset());
                        }
                        got = true;
                    }
                    if (!got && System.nanoTime() > deadline) {
                        throw new IllegalStateException("Record " + i + " did not come back within 30 s");
                    }
                }
                long us = (System.nanoTime() - t0) / 1_000;
                if (i >= warmup) {
                    micros[i - warmup] = us;
                }
            }
        }
        long sum = 0;
        for (long m : micros) {
            sum += m;
        }
        Arrays.sort(micros);
        System.out.printf("probe records=%d avg_us=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d%n", n, sum / n,
                pct(micros, 0.50), pct(micros, 0.99), pct(micros, 0.999), micros[n - 1]);
    }

    private static long pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
