package io.cairn.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A group member is killed with SIGKILL (no LeaveGroup): the coordinator expires its session, the group rebalances,
 * and the survivors consume everything. Nothing is lost, and the only records consumed twice are ones the killed
 * member processed after its last completed commit. Run with the eager range assignor and the incremental
 * cooperative-sticky one.
 */
class ConsumerKillTest {
    private static final int SESSION_TIMEOUT_MS = 3_000;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(classes = {RangeAssignor.class, CooperativeStickyAssignor.class})
    void aKilledMemberIsReplacedWithoutLossOrDuplicatesBeyondItsLastCommit(Class<?> assignor) throws Exception {
        int n = 30_000;
        String group = "kill-" + assignor.getSimpleName();
        try (BrokerFixture fx = new BrokerFixture(dir, b -> b.groupMinSessionTimeoutMs(1_000))) {
            try (Admin admin = fx.admin()) {
                admin.createTopics(List.of(new NewTopic("work", 6, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> p = fx.producer(Map.of())) {
                for (int i = 0; i < n; i++) {
                    p.send(new ProducerRecord<>("work", "k" + i, Integer.toString(i)));
                }
                p.flush();
            }

            // The victim joins first and consumes on its own for a while.
            Process victim = startVictim(fx.bootstrap(), group, assignor);
            List<String> victimLines = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger victimRecords = new AtomicInteger();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(victim.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        victimLines.add(line);
                        if (line.startsWith("rec ")) {
                            victimRecords.incrementAndGet();
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            reader.start();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (victimRecords.get() < 2_000 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(victimRecords.get()).as("the victim consumed before the survivors joined").isGreaterThanOrEqualTo(2_000);

            // Two survivors join; a moment later the victim dies without a word.
            Map<String, Integer> survivorsSeen = new ConcurrentHashMap<>();
            AtomicInteger survivorDuplicates = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<Integer>> survivors = new ArrayList<>();
            for (int s = 0; s < 2; s++) {
                survivors.add(pool.submit(() -> survive(fx, group, assignor, survivorsSeen, survivorDuplicates, stop)));
            }
            Thread.sleep(1_000);
            victim.toHandle().destroyForcibly(); // SIGKILL; keeps our end of its stdout readable to the last line
            victim.waitFor(30, TimeUnit.SECONDS);
            reader.join(10_000);

            Set<String> victimAll = new HashSet<>();
            Set<String> victimUncommitted = new HashSet<>();
            synchronized (victimLines) {
                for (String line : victimLines) {
                    if (line.equals("committed")) {
                        victimUncommitted.clear();
                    } else if (line.startsWith("rec ")) {
                        String v = line.substring(4);
                        victimAll.add(v);
                        victimUncommitted.add(v);
                    }
                }
            }

            Set<String> all = new HashSet<>(victimAll);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline) {
                all.addAll(survivorsSeen.keySet());
                if (all.size() == n) {
                    break;
                }
                Thread.sleep(100);
            }
            stop.set(true);
            List<Integer> counts = new ArrayList<>();
            for (Future<Integer> f : survivors) {
                counts.add(f.get(60, TimeUnit.SECONDS));
            }
            pool.shutdown();
            all.addAll(survivorsSeen.keySet());

            Set<String> twice = new HashSet<>(survivorsSeen.keySet());
            twice.retainAll(victimAll);
            System.out.printf("kill test (%s): victim %d records (%d after its last commit), survivors %s, consumed twice %d%n",
                    assignor.getSimpleName(), victimAll.size(), victimUncommitted.size(), counts, twice.size());
            assertThat(all).as("nothing lost").hasSize(n);
            assertThat(survivorDuplicates.get()).as("survivors never see a record twice").isZero();
            assertThat(victimUncommitted).as("records re-delivered after the kill are exactly ones the victim had not committed")
                    .containsAll(twice);
            assertThat(counts).allSatisfy(c -> assertThat(c).isPositive());
        }
    }

    private static Process startVictim(String bootstrap, String group, Class<?> assignor) throws java.io.IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", KilledConsumer.class.getName(),
                bootstrap, "work", group, assignor.getName(), Integer.toString(SESSION_TIMEOUT_MS));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(new File("target/killed-consumer.err"))).start();
    }

    /** Consumes until stopped, committing after each poll and before giving partitions up. */
    private static int survive(BrokerFixture fx, String group, Class<?> assignor, Map<String, Integer> seen,
                               AtomicInteger duplicates, AtomicBoolean stop) {
        int mine = 0;
        try (KafkaConsumer<String, String> c = fx.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor.getName(),
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200))) {
            c.subscribe(List.of("work"), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    c.commitSync(); // what was processed stays processed: no re-delivery to the next owner
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                }
            });
            while (!stop.get()) {
                ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(100));
                for (ConsumerRecord<String, String> r : records) {
                    if (seen.put(r.value(), 1) != null) {
                        duplicates.incrementAndGet();
                    }
                    mine++;
                }
                if (!records.isEmpty()) {
                    c.commitSync();
                }
            }
        }
        return mine;
    }
}
