package io.cairn.log.kafka;

import java.util.List;

/**
 * A consumer group as the group coordinator knows it at one moment: its state (Kafka's names: {@code Empty},
 * {@code PreparingRebalance}, {@code CompletingRebalance}, {@code Stable}), how many members it has, and the offsets
 * it committed. A group with committed offsets but no members (after a restart, or once every member left) is
 * {@code Empty}. Read with {@link KafkaBroker#consumerGroups()}.
 *
 * @param groupId the group's id
 * @param state   the group's state, in Kafka's words
 * @param members members that joined the current generation (or are joining)
 * @param offsets committed offsets, sorted by topic and partition
 */
public record ConsumerGroupInfo(String groupId, String state, int members, List<CommittedOffset> offsets) {

    public ConsumerGroupInfo {
        offsets = List.copyOf(offsets);
    }

    /**
     * An offset the group committed: the next record it will read from {@code topic}-{@code partition}.
     *
     * @param commitTimestamp when the coordinator accepted the commit (epoch milliseconds)
     */
    public record CommittedOffset(String topic, int partition, long offset, long commitTimestamp) {
    }
}
