package io.cairn.server.groups;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.kafka.ConsumerGroupInfo;

class GroupLagTest {
    @TempDir
    Path dir;

    private static MemoryRecords records(int n) {
        SimpleRecord[] r = new SimpleRecord[n];
        for (int i = 0; i < n; i++) {
            r[i] = new SimpleRecord(("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, r);
    }

    @Test
    void lagIsTheHighWatermarkMinusTheCommittedOffsetPerPartition() {
        try (LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir).build())) {
            engine.createTopic("orders", 2, Map.of());
            engine.partition("orders", 0).append(records(10));
            engine.partition("orders", 1).append(records(4));
            ConsumerGroupInfo g = new ConsumerGroupInfo("billing", "Stable", 2, List.of(
                    new ConsumerGroupInfo.CommittedOffset("orders", 0, 7, 1L),
                    new ConsumerGroupInfo.CommittedOffset("orders", 1, 4, 1L),
                    new ConsumerGroupInfo.CommittedOffset("orders", 2, 0, 1L),
                    new ConsumerGroupInfo.CommittedOffset("deleted", 0, 3, 1L)));

            GroupLag lag = GroupLag.of(g, engine);
            assertThat(lag.lag()).isEqualTo(3);
            assertThat(lag.partitions()).extracting(p -> p.topic() + "-" + p.partition() + ": " + p.lag())
                    .as("offsets of partitions that no longer exist are left out")
                    .containsExactly("orders-0: 3", "orders-1: 0");
            assertThat(lag.partitions().get(0).highWatermark()).isEqualTo(10);
        }
    }
}
