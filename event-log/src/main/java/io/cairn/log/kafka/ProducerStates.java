package io.cairn.log.kafka;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.cairn.log.LogException;
import io.cairn.log.PartitionLog;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idempotent producers: producer id allocation (InitProducerId) and, per partition, each producer's epoch and its last
 * {@value #KEEP} batches (sequence range and offsets). A batch that repeats one of those is acknowledged with its
 * original offsets and not appended again; a batch that does not follow the last sequence is refused with
 * OUT_OF_ORDER_SEQUENCE_NUMBER; a batch of an older epoch with INVALID_PRODUCER_EPOCH.
 *
 * <p>Durability: the state of a partition is rebuilt, on first use after a start, by scanning the batch headers at
 * the tail of the log (the last {@code producerStateScanBytes}, whole segments), which the log keeps anyway. Producer
 * ids come from blocks reserved in {@code <data dir>/.kafka/producer-ids} (fsynced before any id of a block is
 * handed out), so an id is never given twice, even across crashes. A producer idle on a partition for
 * {@link #EXPIRATION_MS} is forgotten there (its next batch is then accepted whatever its sequence, as Kafka does).
 */
final class ProducerStates {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerStates.class);
    static final int KEEP = 5;
    private static final long BLOCK = 1_000;
    /** A producer that has not written to a partition for this long is forgotten there (Kafka's default). */
    static final long EXPIRATION_MS = 24L * 3600 * 1000;

    /** Outcome of an append: its offsets, and whether it was a retried duplicate that was not written again. */
    record Appended(long baseOffset, long lastOffset, long logAppendTime, boolean duplicate) {
    }

    private record BatchMeta(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long logAppendTime) {
    }

    private static final class Producer {
        short epoch;
        long lastAppendMs = System.currentTimeMillis();
        final ArrayDeque<BatchMeta> batches = new ArrayDeque<>(KEEP);

        Producer(short epoch) {
            this.epoch = epoch;
        }

        void add(short batchEpoch, BatchMeta m) {
            if (batchEpoch != epoch) {
                epoch = batchEpoch;
                batches.clear();
            }
            if (batches.size() == KEEP) {
                batches.removeFirst();
            }
            batches.addLast(m);
        }

        BatchMeta find(int firstSeq, int lastSeq) {
            for (BatchMeta m : batches) {
                if (m.firstSeq == firstSeq && m.lastSeq == lastSeq) {
                    return m;
                }
            }
            return null;
        }
    }

    private static final class PartitionProducers {
        final Map<Long, Producer> producers = new HashMap<>();
        boolean loaded;
        long nextExpiryCheckMs;

        void expire(long now) {
            if (now >= nextExpiryCheckMs) {
                producers.values().removeIf(p -> now - p.lastAppendMs > EXPIRATION_MS);
                nextExpiryCheckMs = now + 60_000;
            }
        }
    }

    private final Map<PartitionLog, PartitionProducers> partitions = new ConcurrentHashMap<>();
    private final long scanBytes;
    private final Path idFile;
    private long nextId;
    private long reservedUpTo;

    ProducerStates(Path dataDir, long scanBytes) {
        this.scanBytes = scanBytes;
        this.idFile = dataDir.resolve(".kafka").resolve("producer-ids");
        try {
            Files.createDirectories(idFile.getParent());
            if (Files.exists(idFile)) {
                nextId = Long.parseLong(Files.readString(idFile, StandardCharsets.UTF_8).trim());
            }
        } catch (IOException | NumberFormatException e) {
            throw new LogException.LogIoException("Cannot read " + idFile + ": " + e, e instanceof IOException io ? io : null);
        }
        reservedUpTo = nextId;
    }

    /** A fresh producer id, never handed out before. */
    synchronized long newProducerId() {
        if (nextId >= reservedUpTo) {
            long upTo = nextId + BLOCK;
            Path tmp = idFile.resolveSibling("producer-ids.tmp");
            try {
                Files.writeString(tmp, Long.toString(upTo), StandardCharsets.UTF_8);
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(tmp, idFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                try (FileChannel dir = FileChannel.open(idFile.getParent(), StandardOpenOption.READ)) {
                    dir.force(true);
                }
            } catch (IOException e) {
                throw new LogException.LogIoException("Cannot reserve producer ids in " + idFile + ": " + e, e);
            }
            reservedUpTo = upTo;
        }
        return nextId++;
    }

    /**
     * Appends {@code records} (exactly one batch, written by an idempotent producer) to {@code log} unless it repeats a
     * recent batch of the same producer and epoch.
     */
    Appended append(PartitionLog log, MemoryRecords records, RecordBatch batch) {
        return append(log, records, batch, PartitionLog.AppendGuard.NONE);
    }

    /** {@link #append(PartitionLog, MemoryRecords, RecordBatch)} with a guard (a retried duplicate is not checked again). */
    Appended append(PartitionLog log, MemoryRecords records, RecordBatch batch, PartitionLog.AppendGuard guard) {
        PartitionProducers pp = partitions.computeIfAbsent(log, l -> new PartitionProducers());
        synchronized (pp) {
            if (!pp.loaded) {
                load(log, pp);
                pp.loaded = true;
            }
            long pid = batch.producerId();
            short epoch = batch.producerEpoch();
            int first = batch.baseSequence();
            int last = batch.lastSequence();
            Producer p = pp.producers.get(pid);
            if (p != null) {
                if (epoch < p.epoch) {
                    throw new InvalidProducerEpochException("Producer " + pid + " epoch " + epoch + " is older than the current epoch "
                            + p.epoch + " on " + log.topic() + "-" + log.partition());
                }
                if (epoch == p.epoch) {
                    BatchMeta dup = p.find(first, last);
                    if (dup != null) {
                        return new Appended(dup.firstOffset, dup.lastOffset, dup.logAppendTime, true);
                    }
                    int lastSeq = p.batches.isEmpty() ? -1 : p.batches.getLast().lastSeq;
                    if (lastSeq >= 0 && !inSequence(lastSeq, first)) {
                        throw new OutOfOrderSequenceException("Out of order sequence number for producer " + pid + " at "
                                + log.topic() + "-" + log.partition() + ": " + first + " (incoming), " + lastSeq + " (last written)");
                    }
                } else if (first != 0) {
                    throw new OutOfOrderSequenceException("Producer " + pid + " starts epoch " + epoch + " at sequence "
                            + first + " instead of 0 on " + log.topic() + "-" + log.partition());
                }
            } else {
                p = new Producer(epoch);
                pp.producers.put(pid, p);
            }
            PartitionLog.AppendResult r = log.append(records, guard);
            p.add(epoch, new BatchMeta(first, last, r.baseOffset(), r.lastOffset(), r.logAppendTime()));
            p.lastAppendMs = System.currentTimeMillis();
            pp.expire(p.lastAppendMs);
            return new Appended(r.baseOffset(), r.lastOffset(), r.logAppendTime(), false);
        }
    }

    private static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1 || lastSeq == Integer.MAX_VALUE && nextSeq == 0;
    }

    /** Rebuilds the producers of {@code log} from the batch headers of its last segments. */
    private void load(PartitionLog log, PartitionProducers pp) {
        List<PartitionLog.SegmentInfo> segments = log.segments();
        long from = log.logStartOffset();
        long bytes = 0;
        for (int i = segments.size() - 1; i >= 0; i--) {
            PartitionLog.SegmentInfo s = segments.get(i);
            bytes += s.sizeInBytes();
            from = s.baseOffset();
            if (bytes >= scanBytes) {
                break;
            }
        }
        from = Math.max(from, log.logStartOffset());
        long end = log.logEndOffset();
        long next = from;
        int batches = 0;
        while (next < end) {
            PartitionLog.ReadResult r = log.read(next, 4 * 1024 * 1024, true, PartitionLog.ReadLimit.LOG_END);
            long before = next;
            for (RecordBatch b : r.records().batches()) {
                if (b.lastOffset() < next) {
                    continue;
                }
                next = b.nextOffset();
                batches++;
                if (b.hasProducerId()) {
                    Producer p = pp.producers.computeIfAbsent(b.producerId(), id -> new Producer(b.producerEpoch()));
                    if (b.producerEpoch() >= p.epoch) {
                        long appendTime = b.timestampType() == org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME
                                ? b.maxTimestamp() : -1;
                        p.add(b.producerEpoch(), new BatchMeta(b.baseSequence(), b.lastSequence(), b.baseOffset(), b.lastOffset(), appendTime));
                    }
                }
            }
            if (next == before) {
                break; // nothing more readable
            }
        }
        if (!pp.producers.isEmpty()) {
            LOG.debug("Rebuilt {} producer(s) of {}-{} from {} batch(es) since offset {}", pp.producers.size(),
                    log.topic(), log.partition(), batches, from);
        }
    }

    /** Forgets the state of partitions of a deleted topic. */
    void forget(List<PartitionLog> logs) {
        for (PartitionLog l : logs) {
            partitions.remove(l);
        }
    }
}
