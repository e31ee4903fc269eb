package io.cairn.server.groups;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.cairn.log.LogEngine;
import io.cairn.log.Topic;
import io.cairn.log.kafka.ConsumerGroupInfo;

/**
 * A consumer group with its lag per partition: how far its committed offset is behind the partition's high
 * watermark (what a consumer can read). Offsets committed for topics or partitions that no longer exist are left out.
 *
 * @param lag the sum over its partitions
 */
@Schema(name = "ConsumerGroup")
public record GroupLag(String groupId, String state, int members, long lag, List<PartitionLag> partitions) {

    /**
     * @param committedOffset the next offset the group will read
     * @param highWatermark   the end of what consumers can read
     * @param lag             {@code highWatermark - committedOffset}, at least 0
     */
    @Schema(name = "ConsumerGroupPartition")
    public record PartitionLag(String topic, int partition, long committedOffset, long highWatermark, long lag,
                               long commitTimestamp) {
    }

    static GroupLag of(ConsumerGroupInfo g, LogEngine engine) {
        List<PartitionLag> parts = new ArrayList<>();
        long total = 0;
        for (ConsumerGroupInfo.CommittedOffset c : g.offsets()) {
            Optional<Topic> t = engine.topic(c.topic());
            if (t.isEmpty() || c.partition() >= t.get().partitionCount()) {
                continue;
            }
            long hw = t.get().partition(c.partition()).highWatermark();
            long lag = Math.max(0, hw - c.offset());
            total += lag;
            parts.add(new PartitionLag(c.topic(), c.partition(), c.offset(), hw, lag, c.commitTimestamp()));
        }
        return new GroupLag(g.groupId(), g.state(), g.members(), total, parts);
    }
}
