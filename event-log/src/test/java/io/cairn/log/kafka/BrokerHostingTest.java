package io.cairn.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.LogException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a host of the broker (the server) relies on: its thread factory, and the consumer groups snapshot. */
class BrokerHostingTest {
    @TempDir
    Path dir;

    @Test
    void everyBrokerThreadComesFromTheConfiguredFactory() throws Exception {
        Set<Thread> made = ConcurrentHashMap.newKeySet();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "host-thread");
            t.setDaemon(true);
            made.add(t);
            return t;
        };
        try (BrokerFixture fx = new BrokerFixture(dir, b -> b.threadFactory(factory)); Admin admin = fx.admin()) {
            admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            try (KafkaProducer<String, String> p = fx.producer(Map.of())) {
                p.send(new ProducerRecord<>("t", "k", "v")).get();
            }
            Set<String> brokerThreads = new HashSet<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("cairn-kafka-")) {
                    brokerThreads.add(t.getName());
                    assertThat(made).as(t.getName() + " was made by the factory").contains(t);
                }
            }
            assertThat(brokerThreads).anyMatch(n -> n.startsWith("cairn-kafka-accept-"))
                    .anyMatch(n -> n.startsWith("cairn-kafka-io-")).anyMatch(n -> n.startsWith("cairn-kafka-worker-"));
        }
    }

    @Test
    void aTakenPortFailsTheStartWithALogExceptionAndLeavesNoThreads() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir).build())) {
            Set<Thread> made = ConcurrentHashMap.newKeySet();
            KafkaBroker broker = new KafkaBroker(engine, KafkaBrokerConfig.builder().port(taken.getLocalPort())
                    .threadFactory(r -> {
                        Thread t = new Thread(r);
                        made.add(t);
                        return t;
                    }).build());
            assertThatThrownBy(broker::start).isInstanceOf(LogException.class)
                    .hasMessageContaining("Cannot listen on 127.0.0.1:" + taken.getLocalPort());
            assertThat(made).isNotEmpty().allSatisfy(t -> {
                t.join(5_000);
                assertThat(t.isAlive()).as(t.getName() + " ended").isFalse();
            });
        }
    }

    @Test
    void consumerGroupsShowMembersAndCommittedOffsets() throws Exception {
        try (BrokerFixture fx = new BrokerFixture(dir); Admin admin = fx.admin()) {
            assertThat(fx.broker.consumerGroups()).isEmpty();
            admin.createTopics(List.of(new NewTopic("orders", 2, (short) 1))).all().get();
            try (KafkaProducer<String, String> p = fx.producer(Map.of())) {
                for (int i = 0; i < 10; i++) {
                    p.send(new ProducerRecord<>("orders", i % 2, null, "v" + i));
                }
                p.flush();
            }
            try (KafkaConsumer<String, String> c = fx.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "billing",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
                c.subscribe(List.of("orders"));
                assertThat(BrokerFixture.pollUntil(c, 10, Duration.ofSeconds(30))).hasSize(10);
                c.commitSync();
                ConsumerGroupInfo g = fx.broker.consumerGroups().get(0);
                assertThat(g.groupId()).isEqualTo("billing");
                assertThat(g.state()).isEqualTo("Stable");
                assertThat(g.members()).isEqualTo(1);
                assertThat(g.offsets()).extracting(o -> o.topic() + "-" + o.partition() + "@" + o.offset())
                        .containsExactly("orders-0@5", "orders-1@5");
            }
            ConsumerGroupInfo left = fx.broker.consumerGroups().get(0);
            assertThat(left.state()).isEqualTo("Empty");
            assertThat(left.members()).isZero();
            assertThat(left.offsets()).hasSize(2);

            fx.restart();
            assertThat(fx.broker.consumerGroups()).singleElement()
                    .satisfies(g -> assertThat(g.offsets()).extracting(ConsumerGroupInfo.CommittedOffset::offset).containsExactly(5L, 5L));
        }
    }
}
