package io.cairn.log.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Child JVM of {@link ConsumerKillTest}: a group member that consumes and commits until it is killed with SIGKILL, so
 * it never sends LeaveGroup. Prints {@code rec <value>} for every record it processed and {@code committed} after
 * every commit that returned, one flushed line each, so the parent knows which records were committed.
 * Args: bootstrap topic group assignorClass sessionTimeoutMs.
 */
public final class KilledConsumer {
    private KilledConsumer() {
    }

    public static void main(String[] args) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, args[2]);
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, args[3]);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.parseInt(args[4]));
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(args[1]));
            while (true) {
                ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(100));
                StringBuilder out = new StringBuilder();
                for (ConsumerRecord<String, String> r : records) {
                    out.append("rec ").append(r.value()).append('\n');
                }
                System.out.print(out);
                System.out.flush();
                if (!records.isEmpty()) {
                    c.commitSync();
                    System.out.println("committed");
                    System.out.flush();
                }
            }
        }
    }
}
