package io.cairn.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Classic consumer groups with the stock consumer: a group of three sharing six partitions, and a broker restart. */
class ConsumerGroupTest {
    @TempDir
    Path dir;

    private static void produce(BrokerFixture fx, String topic, int n) {
        try (KafkaProducer<String, String> p = fx.producer(Map.of())) {
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>(topic, "k" + i, Integer.toString(i)));
            }
            p.flush();
        }
    }

    @Test
    void threeConsumersShareSixPartitionsAndReadEverythingOnce() throws Exception {
        int n = 100_000;
        try (BrokerFixture fx = new BrokerFixture(dir); Admin admin = fx.admin()) {
            admin.createTopics(List.of(new NewTopic("events", 6, (short) 1))).all().get();
            long t0 = System.nanoTime();
            produce(fx, "events", n);
            long produced = System.nanoTime();

            Map<String, Integer> seen = new ConcurrentHashMap<>();
            AtomicInteger total = new AtomicInteger();
            AtomicInteger duplicates = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            List<Future<Integer>> consumers = new ArrayList<>();
            List<KafkaConsumer<String, String>> open = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                KafkaConsumer<String, String> consumer = fx.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g1",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.CLIENT_ID_CONFIG, "member-" + c));
                open.add(consumer);
                consumers.add(pool.submit(() -> {
                    consumer.subscribe(List.of("events"));
                    int mine = 0;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                    while (total.get() < n && System.nanoTime() < deadline) {
                        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                        for (ConsumerRecord<String, String> r : records) {
                            if (seen.put(r.value(), 1) != null) {
                                duplicates.incrementAndGet();
                            }
                            mine++;
                            total.incrementAndGet();
                        }
                        if (!records.isEmpty()) {
                            consumer.commitSync();
                        }
                    }
                    return mine;
                }));
            }
            List<Integer> perConsumer = new ArrayList<>();
            for (Future<Integer> f : consumers) {
                perConsumer.add(f.get(120, TimeUnit.SECONDS));
            }
            long consumed = System.nanoTime();
            System.out.printf("group test: produced %d in %d ms, consumed in %d ms, per consumer %s%n", n,
                    (produced - t0) / 1_000_000, (consumed - produced) / 1_000_000, perConsumer);
            assertThat(duplicates.get()).isZero();
            assertThat(total.get()).isEqualTo(n);
            assertThat(seen).hasSize(n);

            ConsumerGroupDescription g = admin.describeConsumerGroups(List.of("g1")).all().get().get("g1");
            assertThat(g.groupState()).isEqualTo(GroupState.STABLE);
            assertThat(g.members()).hasSize(3);
            assertThat(g.members()).allSatisfy(m -> assertThat(m.assignment().topicPartitions()).hasSize(2));
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("g1").partitionsToOffsetAndMetadata().get();
            assertThat(committed).hasSize(6);
            assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(n);
            assertThat(admin.listConsumerGroups().all().get()).anySatisfy(l -> assertThat(l.groupId()).isEqualTo("g1"));

            for (KafkaConsumer<String, String> c : open) {
                c.close();
            }
            pool.shutdown();
            g = admin.describeConsumerGroups(List.of("g1")).all().get().get("g1");
            assertThat(g.groupState()).isEqualTo(GroupState.EMPTY);
            admin.deleteConsumerGroups(List.of("g1")).all().get();
            assertThat(admin.listConsumerGroupOffsets("g1").partitionsToOffsetAndMetadata().get()).isEmpty();
        }
    }

    @Test
    void membersLeavingAndJoiningMidStreamRebalanceWithoutLossOrDuplicates() throws Exception {
        int n = 12_000;
        try (BrokerFixture fx = new BrokerFixture(dir)) {
            try (Admin admin = fx.admin()) {
                admin.createTopics(List.of(new NewTopic("churn", 6, (short) 1))).all().get();
            }
            produce(fx, "churn", n);
            Map<String, Integer> seen = new ConcurrentHashMap<>();
            AtomicInteger duplicates = new AtomicInteger();
            AtomicInteger total = new AtomicInteger();
            Map<String, Object> cfg = Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g3", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            // a: leaves after 2,000 records; b: stays to the end; c: joins once a has left.
            java.util.concurrent.CountDownLatch aLeft = new java.util.concurrent.CountDownLatch(1);
            java.util.function.BiFunction<Integer, Runnable, java.util.concurrent.Callable<Integer>> member = (limit, onExit) -> () -> {
                int mine = 0;
                try (KafkaConsumer<String, String> c = fx.consumer(cfg)) {
                    c.subscribe(List.of("churn"));
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (total.get() < n && mine < limit && System.nanoTime() < deadline) {
                        ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(100));
                        for (ConsumerRecord<String, String> r : records) {
                            if (seen.put(r.value(), 1) != null) {
                                duplicates.incrementAndGet();
                            }
                            mine++;
                            total.incrementAndGet();
                        }
                        if (!records.isEmpty()) {
                            c.commitSync();
                        }
                        Thread.sleep(10); // slow enough that the membership changes happen mid-stream
                    }
                } finally {
                    onExit.run();
                }
                return mine;
            };
            Future<Integer> a = pool.submit(member.apply(2_000, aLeft::countDown));
            Future<Integer> b = pool.submit(member.apply(Integer.MAX_VALUE, () -> { }));
            aLeft.await(60, TimeUnit.SECONDS);
            Future<Integer> c = pool.submit(member.apply(Integer.MAX_VALUE, () -> { }));
            int ra = a.get(90, TimeUnit.SECONDS);
            int rb = b.get(90, TimeUnit.SECONDS);
            int rc = c.get(90, TimeUnit.SECONDS);
            pool.shutdown();
            System.out.printf("churn test: a=%d b=%d c=%d%n", ra, rb, rc);
            assertThat(duplicates.get()).isZero();
            assertThat(seen).hasSize(n);
            assertThat(ra).isGreaterThanOrEqualTo(2_000);
            assertThat(rb).isPositive();
            assertThat(rc).isPositive();
        }
    }

    @Test
    void aConsumerResumesFromItsCommittedOffsetsAfterABrokerRestart() throws Exception {
        try (BrokerFixture fx = new BrokerFixture(dir)) {
            try (Admin admin = fx.admin()) {
                admin.createTopics(List.of(new NewTopic("resume", 2, (short) 1))).all().get();
            }
            produce(fx, "resume", 1_000);
            Map<String, Object> cfg = Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g2", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
            List<String> first = new ArrayList<>();
            try (KafkaConsumer<String, String> c = fx.consumer(cfg)) {
                c.subscribe(List.of("resume"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (first.size() < 600 && System.nanoTime() < deadline) {
                    ConsumerRecords<String, String> rs = c.poll(Duration.ofMillis(200));
                    rs.forEach(r -> first.add(r.value()));
                    c.commitSync();
                }
            }
            assertThat(first.size()).isGreaterThanOrEqualTo(600);

            fx.restart();

            List<String> rest = new ArrayList<>();
            try (KafkaConsumer<String, String> c = fx.consumer(cfg)) {
                c.subscribe(List.of("resume"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (first.size() + rest.size() < 1_000 && System.nanoTime() < deadline) {
                    c.poll(Duration.ofMillis(200)).forEach(r -> rest.add(r.value()));
                }
            }
            assertThat(first.size() + rest.size()).isEqualTo(1_000);
            List<String> all = new ArrayList<>(first);
            all.addAll(rest);
            assertThat(all).doesNotHaveDuplicates();
        }
    }
}
