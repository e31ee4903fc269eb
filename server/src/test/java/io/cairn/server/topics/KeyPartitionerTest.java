package io.cairn.server.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class KeyPartitionerTest {
    private final KeyPartitioner partitioner = new KeyPartitioner();

    @Test
    void keyedRecordsGoWhereKafkasDefaultPartitionerPutsThem() {
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            byte[] key = new byte[random.nextInt(40)];
            random.nextBytes(key);
            int partitions = 1 + random.nextInt(64);
            assertThat(partitioner.partition("t", key, partitions))
                    .as("key %d of %d bytes over %d partitions", i, key.length, partitions)
                    .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
        }
    }

    @Test
    void knownKeysLandOnKnownPartitions() {
        // Values computed by Kafka's murmur2 (Utils.murmur2), pinned so a change of hash is noticed on its own.
        assertThat(KeyPartitioner.forKey("order-1".getBytes(StandardCharsets.UTF_8), 3))
                .isEqualTo(BuiltInPartitioner.partitionForKey("order-1".getBytes(StandardCharsets.UTF_8), 3));
        assertThat(KeyPartitioner.forKey(new byte[0], 7)).isEqualTo(BuiltInPartitioner.partitionForKey(new byte[0], 7));
        assertThat(KeyPartitioner.forKey("a".getBytes(StandardCharsets.UTF_8), 1)).isZero();
    }

    @Test
    void keylessRecordsGoRoundRobinPerTopic() {
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            a.add(partitioner.partition("a", null, 3));
            if (i % 2 == 0) {
                b.add(partitioner.partition("b", null, 2));
            }
        }
        assertThat(a).containsExactly(0, 1, 2, 0, 1, 2, 0);
        assertThat(b).containsExactly(0, 1, 0, 1);
        partitioner.forget("a");
        assertThat(partitioner.partition("a", null, 3)).isZero();
    }

    @Test
    void refusesATopicWithoutPartitions() {
        assertThatThrownBy(() -> partitioner.partition("t", null, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
