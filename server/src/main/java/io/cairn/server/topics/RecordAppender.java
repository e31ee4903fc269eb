package io.cairn.server.topics;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;

import io.cairn.log.LogException;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;
import io.cairn.log.TopicConfig;
import io.cairn.server.ApiException;
import io.cairn.server.ProblemType;

/**
 * Appends a produce request to a topic: chooses each record's partition, builds one RecordBatch v2 per partition
 * (uncompressed, CreateTime = now) and appends them, returning each record's partition and offset in request order.
 *
 * <p>Everything that can be checked is checked before the first append (partitions exist, each batch fits
 * {@code max.message.bytes}), so a refused request writes nothing. Appends to different partitions are separate, as in
 * Kafka: an I/O failure on one partition after another succeeded leaves the first written.
 *
 * <p>Thread-safety: safe for concurrent use (the partitions serialize their own appends).
 */
final class RecordAppender {
    /** Where one record went. */
    record Placed(int partition, long offset) {
    }

    /** What one produce did. */
    record Result(List<Placed> placed, long bytes) {
    }

    private final KeyPartitioner partitioner;
    private final Clock clock;

    RecordAppender(KeyPartitioner partitioner, Clock clock) {
        this.partitioner = partitioner;
        this.clock = clock;
    }

    Result append(Topic topic, List<RecordJson.ProduceRecord> records) {
        int partitions = topic.partitionCount();
        long now = clock.millis();
        int[] partitionOf = new int[records.size()];
        Map<Integer, List<Integer>> byPartition = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            RecordJson.ProduceRecord r = records.get(i);
            int p;
            if (r.partition() != null) {
                p = r.partition();
                if (p >= partitions) {
                    throw new ApiException(ProblemType.INVALID_REQUEST, "records[" + i + "].partition is " + p
                            + " but topic " + topic.name() + " has " + partitions + " partition(s)");
                }
            } else {
                p = partitioner.partition(topic.name(), r.key(), partitions);
            }
            partitionOf[i] = p;
            byPartition.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
        }
        int maxBatch = Integer.parseInt(topic.config().get(TopicConfig.MAX_MESSAGE_BYTES));
        Map<Integer, MemoryRecords> batches = new LinkedHashMap<>();
        for (Map.Entry<Integer, List<Integer>> e : byPartition.entrySet()) {
            SimpleRecord[] simple = new SimpleRecord[e.getValue().size()];
            for (int j = 0; j < simple.length; j++) {
                RecordJson.ProduceRecord r = records.get(e.getValue().get(j));
                simple[j] = new SimpleRecord(now, r.key(), r.value(), r.headers());
            }
            MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE, simple);
            if (batch.sizeInBytes() > maxBatch) {
                throw new LogException.RecordTooLargeException("The batch for " + topic.name() + "-" + e.getKey() + " is "
                        + batch.sizeInBytes() + " bytes, over the topic's max.message.bytes=" + maxBatch);
            }
            batches.put(e.getKey(), batch);
        }
        long[] baseOffset = new long[partitions];
        long bytes = 0;
        for (Map.Entry<Integer, MemoryRecords> e : batches.entrySet()) {
            PartitionLog log = topic.partition(e.getKey());
            bytes += e.getValue().sizeInBytes();
            baseOffset[e.getKey()] = log.append(e.getValue()).baseOffset();
        }
        int[] seen = new int[partitions];
        List<Placed> placed = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            int p = partitionOf[i];
            placed.add(new Placed(p, baseOffset[p] + seen[p]++));
        }
        return new Result(placed, bytes);
    }
}
