package io.cairn.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AdminClient against the broker: topics, partitions, configs, cluster, DeleteRecords. */
class AdminTest {
    @TempDir
    static Path dir;
    static BrokerFixture fx;
    static Admin admin;

    @BeforeAll
    static void start() {
        fx = new BrokerFixture(dir);
        admin = fx.admin();
    }

    @AfterAll
    static void stop() {
        admin.close();
        fx.close();
    }

    @Test
    void createDescribeAlterAndDeleteTopics() throws Exception {
        admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1).configs(Map.of("retention.ms", "3600000")),
                new NewTopic("defaults", java.util.Optional.empty(), java.util.Optional.empty()))).all().get();
        assertThat(admin.listTopics().names().get()).contains("orders", "defaults").doesNotContain("__consumer_offsets");
        assertThat(fx.engine.topic("orders")).isPresent();

        TopicDescription d = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
        assertThat(d.partitions()).hasSize(3);
        assertThat(d.topicId().toString()).isEqualTo(KafkaApis.uuid(fx.engine.requireTopic("orders").id()).toString());
        assertThat(d.partitions().get(0).leader().id()).isZero();
        assertThat(d.partitions().get(2).isr()).hasSize(1);

        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all().get())
                .hasCauseInstanceOf(TopicExistsException.class);
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("replicated", 1, (short) 3))).all().get())
                .hasCauseInstanceOf(InvalidReplicationFactorException.class);
        admin.createTopics(List.of(new NewTopic("dry-run", 1, (short) 1)), new CreateTopicsOptions().validateOnly(true)).all().get();
        assertThat(fx.engine.topic("dry-run")).isEmpty();

        ConfigResource orders = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
        Config cfg = admin.describeConfigs(List.of(orders)).all().get().get(orders);
        assertThat(cfg.get("retention.ms").value()).isEqualTo("3600000");
        assertThat(cfg.get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(cfg.get("cleanup.policy").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);

        admin.incrementalAlterConfigs(Map.of(orders, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.APPEND)))).all().get();
        assertThat(fx.engine.requireTopic("orders").config().get("retention.ms")).isEqualTo("7200000");
        assertThat(fx.engine.requireTopic("orders").config().get("cleanup.policy")).isEqualTo("delete,compact");
        admin.incrementalAlterConfigs(Map.of(orders, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", null), AlterConfigOp.OpType.DELETE)))).all().get();
        cfg = admin.describeConfigs(List.of(orders)).all().get().get(orders);
        assertThat(cfg.get("retention.ms").isDefault()).isTrue();
        assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(orders, List.of(
                new AlterConfigOp(new ConfigEntry("no.such.config", "1"), AlterConfigOp.OpType.SET)))).all().get())
                .isInstanceOf(ExecutionException.class);

        admin.createPartitions(Map.of("orders", NewPartitions.increaseTo(5))).all().get();
        assertThat(fx.engine.requireTopic("orders").partitionCount()).isEqualTo(5);
        assertThatThrownBy(() -> admin.createPartitions(Map.of("orders", NewPartitions.increaseTo(2))).all().get())
                .hasCauseInstanceOf(InvalidPartitionsException.class);

        admin.deleteTopics(List.of("orders", "defaults")).all().get();
        assertThat(fx.engine.topic("orders")).isEmpty();
        assertThat(admin.listTopics().names().get()).doesNotContain("orders", "defaults");
        assertThatThrownBy(() -> admin.deleteTopics(List.of("orders")).all().get())
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
    }

    @Test
    void describeCluster() throws Exception {
        DescribeClusterResult c = admin.describeCluster();
        assertThat(c.clusterId().get()).isEqualTo("cairn-cluster");
        assertThat(c.nodes().get()).hasSize(1);
        assertThat(c.nodes().get().iterator().next().port()).isEqualTo(fx.broker.port());
        assertThat(c.controller().get().id()).isZero();
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "0");
        assertThat(admin.describeConfigs(List.of(broker)).all().get().get(broker).get("broker.id").value()).isEqualTo("0");
    }

    @Test
    void deleteRecordsMovesTheLogStartOffset() throws Exception {
        admin.createTopics(List.of(new NewTopic("trimmed", 1, (short) 1))).all().get();
        try (KafkaProducer<String, String> p = fx.producer(Map.of())) {
            for (int i = 0; i < 50; i++) {
                p.send(new ProducerRecord<>("trimmed", "k" + i, "v" + i));
            }
            p.flush();
        }
        TopicPartition tp = new TopicPartition("trimmed", 0);
        long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(30))).lowWatermarks().get(tp).get().lowWatermark();
        assertThat(low).isEqualTo(30);
        try (KafkaConsumer<String, String> c = fx.consumer(Map.of())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, String>> got = BrokerFixture.pollUntil(c, 20, Duration.ofSeconds(20));
            assertThat(got).hasSize(20);
            assertThat(got.get(0).offset()).isEqualTo(30);
            assertThat(c.beginningOffsets(Set.of(tp)).get(tp)).isEqualTo(30);
        }
    }
}
