package io.cairn.log;

import java.util.List;
import java.util.UUID;

/**
 * A topic: a name, a stable id (Kafka's topic id), its configuration and its partitions. The partition list only
 * grows ({@link LogEngine#addPartitions}); a new list is published each time, so readers never see a partial one.
 */
public final class Topic {
    private final String name;
    private final UUID id;
    private volatile TopicConfig config;
    private volatile List<PartitionLog> partitions;

    Topic(String name, UUID id, TopicConfig config, List<PartitionLog> partitions) {
        this.name = name;
        this.id = id;
        this.config = config;
        this.partitions = List.copyOf(partitions);
    }

    public String name() {
        return name;
    }

    public UUID id() {
        return id;
    }

    public TopicConfig config() {
        return config;
    }

    void config(TopicConfig c) {
        config = c;
    }

    public List<PartitionLog> partitions() {
        return partitions;
    }

    void partitions(List<PartitionLog> p) {
        partitions = List.copyOf(p);
    }

    public int partitionCount() {
        return partitions.size();
    }

    public PartitionLog partition(int p) {
        List<PartitionLog> ps = partitions;
        if (p < 0 || p >= ps.size()) {
            throw new LogException.UnknownTopicException("Topic " + name + " has no partition " + p + " (it has " + ps.size() + ")");
        }
        return ps.get(p);
    }

    @Override
    public String toString() {
        return "Topic(" + name + ", " + partitions.size() + " partitions)";
    }
}
