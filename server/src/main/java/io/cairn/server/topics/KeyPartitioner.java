package io.cairn.server.topics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.utils.Utils;

/**
 * Chooses a record's partition the way Kafka's default partitioner does for keyed records, so that a key lands on the
 * same partition whether it was produced over REST or by a Kafka client: {@code toPositive(murmur2(key)) % partitions}
 * over the key's bytes. Records without a key go round robin, per topic.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class KeyPartitioner {
    private final Map<String, AtomicInteger> next = new ConcurrentHashMap<>();

    public int partition(String topic, byte[] key, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("a topic has at least one partition, not " + partitions);
        }
        if (key != null) {
            return forKey(key, partitions);
        }
        return Utils.toPositive(next.computeIfAbsent(topic, t -> new AtomicInteger()).getAndIncrement()) % partitions;
    }

    public static int forKey(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    /** Drops the round-robin position of a deleted topic. */
    public void forget(String topic) {
        next.remove(topic);
    }
}
