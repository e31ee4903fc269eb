package io.cairn.log.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.cairn.log.LogEngine;
import io.cairn.log.LogException;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;

/**
 * Fetch, with long polling: a fetch that finds fewer than {@code minBytes} waits up to {@code maxWaitMs}, and is
 * completed early by the append listener of any partition it reads. Fetch sessions (KIP-227) are not kept: every
 * response carries session id 0, which tells clients to send full fetches, and an incremental fetch gets
 * FETCH_SESSION_ID_NOT_FOUND.
 */
final class FetchHandler {
    private final LogEngine engine;
    private final Executor workers;
    private final ScheduledExecutorService timer;
    private final Map<PartitionLog, Set<DelayedFetch>> waiting = new ConcurrentHashMap<>();

    FetchHandler(LogEngine engine, Executor workers, ScheduledExecutorService timer) {
        this.engine = engine;
        this.workers = workers;
        this.timer = timer;
    }

    /** One requested partition: the index of its topic in the response, and its log (null with an error). */
    private record Target(int topicIndex, FetchRequestData.FetchPartition request, PartitionLog log, Errors error) {
    }

    /** A requested topic as the response names it (by name before v13, by id from v13). */
    private record TopicKey(String name, Uuid id) {
    }

    private record Read(FetchResponseData data, long bytes, boolean error) {
    }

    CompletableFuture<AbstractResponse> fetch(FetchRequest request, short version) {
        FetchRequestData d = request.data();
        if (d.sessionId() != 0) {
            return CompletableFuture.completedFuture(FetchResponse.of(new FetchResponseData()
                    .setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code()).setSessionId(0)));
        }
        List<Target> targets = new ArrayList<>();
        List<TopicKey> topics = new ArrayList<>();
        for (FetchRequestData.FetchTopic t : d.topics()) {
            Topic topic;
            Errors topicError = Errors.NONE;
            if (version >= 13) {
                topics.add(new TopicKey(null, t.topicId()));
                topic = byId(t.topicId());
                if (topic == null) {
                    topicError = Errors.UNKNOWN_TOPIC_ID;
                }
            } else {
                topics.add(new TopicKey(t.topic(), null));
                topic = engine.topic(t.topic()).orElse(null);
                if (topic == null) {
                    topicError = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                }
            }
            int topicIndex = topics.size() - 1;
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                PartitionLog log = null;
                Errors error = topicError;
                if (topic != null) {
                    if (p.partition() >= 0 && p.partition() < topic.partitionCount()) {
                        log = topic.partition(p.partition());
                    } else {
                        error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                    }
                }
                targets.add(new Target(topicIndex, p, log, error));
            }
        }
        int maxBytes = version >= 3 ? d.maxBytes() : Integer.MAX_VALUE;
        int minBytes = Math.max(0, d.minBytes());
        Read first = read(targets, topics, maxBytes, version);
        if (d.maxWaitMs() <= 0 || first.bytes >= minBytes || first.error || targets.isEmpty()) {
            return CompletableFuture.completedFuture(FetchResponse.of(first.data));
        }
        DelayedFetch delayed = new DelayedFetch(targets, topics, maxBytes, minBytes, version);
        delayed.start(d.maxWaitMs());
        return delayed.future;
    }

    private Topic byId(Uuid id) {
        for (Topic t : engine.topics()) {
            if (t.id().getMostSignificantBits() == id.getMostSignificantBits()
                    && t.id().getLeastSignificantBits() == id.getLeastSignificantBits()) {
                return t;
            }
        }
        return null;
    }

    /** Reads every target: whole batches, at most {@code maxBytes} in all, but at least one batch if any is there. */
    private Read read(List<Target> targets, List<TopicKey> topicKeys, int maxBytes, short version) {
        List<FetchResponseData.FetchableTopicResponse> topics = new ArrayList<>(topicKeys.size());
        for (TopicKey k : topicKeys) {
            FetchResponseData.FetchableTopicResponse tr = new FetchResponseData.FetchableTopicResponse();
            if (k.id != null) {
                tr.setTopicId(k.id);
            } else {
                tr.setTopic(k.name);
            }
            topics.add(tr);
        }
        long remaining = maxBytes;
        boolean minOneBatch = true;
        long total = 0;
        boolean anyError = false;
        for (Target t : targets) {
            FetchResponseData.PartitionData pd = new FetchResponseData.PartitionData()
                    .setPartitionIndex(t.request.partition())
                    .setPreferredReadReplica(-1);
            if (version >= 4) {
                pd.setAbortedTransactions(new ArrayList<>());
            }
            topics.get(t.topicIndex).partitions().add(pd);
            if (t.error != Errors.NONE) {
                pd.setErrorCode(t.error.code()).setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1)
                        .setRecords(MemoryRecords.EMPTY);
                anyError = true;
                continue;
            }
            PartitionLog log = t.log;
            int limit = (int) Math.max(0, Math.min(t.request.partitionMaxBytes(), remaining));
            try {
                PartitionLog.ReadResult r = log.fetch(t.request.fetchOffset(), limit, minOneBatch);
                int size = r.sizeInBytes();
                pd.setErrorCode(Errors.NONE.code()).setHighWatermark(r.highWatermark()).setLastStableOffset(r.highWatermark())
                        .setLogStartOffset(r.logStartOffset()).setRecords(r.records());
                if (size > 0) {
                    minOneBatch = false;
                }
                remaining -= size;
                total += size;
            } catch (LogException e) {
                Errors err = KafkaApis.error(e);
                pd.setErrorCode(err.code()).setHighWatermark(log.highWatermark()).setLastStableOffset(log.highWatermark())
                        .setLogStartOffset(log.logStartOffset()).setRecords(MemoryRecords.EMPTY);
                anyError = true;
            }
        }
        FetchResponseData data = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(0)
                .setResponses(topics);
        return new Read(data, total, anyError);
    }

    private void listen(PartitionLog log, DelayedFetch f) {
        waiting.computeIfAbsent(log, l -> {
            l.addAppendListener(end -> onAppend(l));
            return ConcurrentHashMap.newKeySet();
        }).add(f);
    }

    private void onAppend(PartitionLog log) {
        Set<DelayedFetch> set = waiting.get(log);
        if (set != null && !set.isEmpty()) {
            for (DelayedFetch f : set) {
                f.poke();
            }
        }
    }

    /** Drops the waiters of partitions that no longer exist (after a topic deletion). */
    void forget(List<PartitionLog> logs) {
        for (PartitionLog l : logs) {
            Set<DelayedFetch> set = waiting.remove(l);
            if (set != null) {
                for (DelayedFetch f : set) {
                    f.complete();
                }
            }
        }
    }

    private final class DelayedFetch {
        final CompletableFuture<AbstractResponse> future = new CompletableFuture<>();
        final List<Target> targets;
        final List<TopicKey> topics;
        final int maxBytes;
        final int minBytes;
        final short version;
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicBoolean checking = new AtomicBoolean();
        volatile ScheduledFuture<?> timeout;

        DelayedFetch(List<Target> targets, List<TopicKey> topics, int maxBytes,
                     int minBytes, short version) {
            this.targets = targets;
            this.topics = topics;
            this.maxBytes = maxBytes;
            this.minBytes = minBytes;
            this.version = version;
        }

        void start(int maxWaitMs) {
            for (Target t : targets) {
                listen(t.log, this);
            }
            try {
                timeout = timer.schedule(this::complete, maxWaitMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                complete();
                return;
            }
            // An append between the first read and the registration above would otherwise go unnoticed.
            for (Target t : targets) {
                if (t.log.highWatermark() > t.request.fetchOffset()) {
                    poke();
                    break;
                }
            }
        }

        /** Something was appended to one of the partitions. */
        void poke() {
            if (done.get()) {
                return;
            }
            if (minBytes <= 1) {
                complete();
            } else if (checking.compareAndSet(false, true)) {
                run(() -> {
                    try {
                        if (!done.get() && read(targets, topics, maxBytes, version).bytes >= minBytes) {
                            complete();
                        }
                    } finally {
                        checking.set(false);
                    }
                });
            }
        }

        void complete() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
            for (Target target : targets) {
                Set<DelayedFetch> set = waiting.get(target.log);
                if (set != null) {
                    set.remove(this);
                }
            }
            run(() -> {
                try {
                    future.complete(FetchResponse.of(read(targets, topics, maxBytes, version).data));
                } catch (RuntimeException e) {
                    future.completeExceptionally(e);
                }
            });
        }

        private void run(Runnable r) {
            try {
                workers.execute(r);
            } catch (RejectedExecutionException e) {
                r.run();
            }
        }
    }
}
