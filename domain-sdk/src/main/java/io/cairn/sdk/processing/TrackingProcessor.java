package io.cairn.sdk.processing;

import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;
import io.cairn.sdk.EventMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Feeds the events of some topics to an {@link EventConsumer}, from positions (tokens) kept in a {@link TokenStore},
 * so that after a restart it resumes where it stopped, and after {@link #reset()} it replays from the start.
 *
 * <p>One worker thread per topic partition: partitions are handled in parallel, the events of one partition (hence of
 * one aggregate) strictly in order. A worker reads a batch, hands each event the consumer knows to it, and stores
 * the token (next offset) after the batch, and at once when it is stopped. Delivery is therefore at least once: a
 * crash repeats the events handled since the last stored token.
 *
 * <p>A consumer that throws gets the same event again after a back-off (0.1 s doubling to {@value #MAX_BACKOFF_MS}
 * ms), indefinitely: a processor never skips an event silently (a read model or saga would be wrong forever). A
 * failure to read the log or store the token is retried the same way. The partition's {@link PartitionStatus} shows
 * the error and the number of attempts.
 *
 * <p>States: CREATED → RUNNING ⇄ STOPPED → CLOSED. Threads never get interrupted (an interrupt closes the log's file
 * channels); stopping waits for each worker to finish its current event and store its token. Thread-safe.
 */
public final class TrackingProcessor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TrackingProcessor.class.getName());
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    static final long MAX_BACKOFF_MS = 10_000;
    /** Most topic partitions (threads) one processor reads. */
    public static final int MAX_WORKERS = 64;

    public enum State { CREATED, RUNNING, STOPPED, CLOSED }

    /** One worker's progress: the next offset to handle, the partition's end, and the last handler error if any. */
    public record PartitionStatus(String topic, int partition, long position, long endOffset, String error,
                                  int failedAttempts) {
        public boolean caughtUp() {
            return position >= endOffset && error == null;
        }
    }

    private final String name;
    private final List<String> topics;
    private final EventStore store;
    private final TokenStore tokens;
    private final EventDecoder decoder;
    private final EventConsumer consumer;
    private final ThreadFactory threadFactory;
    private final int batchSize;
    private final Map<String, Worker> workers = new ConcurrentHashMap<>();
    private State state = State.CREATED;

    public TrackingProcessor(String name, List<String> topics, EventStore store, TokenStore tokens,
                             EventDecoder decoder, EventConsumer consumer, ThreadFactory threadFactory, int batchSize) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("processor name must match " + NAME + ": '" + name + "'");
        }
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("processor " + name + " reads no topic");
        }
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batch size must be in [1, 10000], was " + batchSize);
        }
        this.name = name;
        this.topics = List.copyOf(topics);
        this.store = Objects.requireNonNull(store, "store");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
        this.batchSize = batchSize;
    }

    public String name() {
        return name;
    }

    public List<String> topics() {
        return topics;
    }

    public synchronized State state() {
        return state;
    }

    /** Starts one worker per partition of each topic (the topics must exist). */
    public synchronized void start() {
        if (state != State.CREATED && state != State.STOPPED) {
            throw new IllegalStateException("processor " + name + " cannot start when " + state);
        }
        List<Worker> created = new ArrayList<>();
        for (String topic : topics) {
            int partitions = store.partitionCount(topic);
            for (int p = 0; p < partitions; p++) {
                created.add(new Worker(topic, p));
            }
        }
        if (created.size() > MAX_WORKERS) {
            throw new IllegalStateException("processor " + name + " would read " + created.size()
                    + " partitions, more than " + MAX_WORKERS);
        }
        workers.clear();
        for (Worker w : created) {
            workers.put(w.topic + "/" + w.partition, w);
            w.thread = threadFactory.newThread(w);
            w.thread.setName("cairn-processor-" + name + "-" + w.topic + "-" + w.partition);
            w.thread.start();
        }
        state = State.RUNNING;
    }

    /** Stops every worker after its current event, storing its token; waits for them. */
    public synchronized void stop() {
        if (state != State.RUNNING) {
            return;
        }
        for (Worker w : workers.values()) {
            w.running = false;
        }
        for (Worker w : workers.values()) {
            try {
                w.thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping processor " + name, e);
            }
        }
        state = State.STOPPED;
    }

    /**
     * Replays from the start: stops if running, tells the consumer ({@link ResetHandler}), sets every token to the
     * start and starts again if it was running.
     */
    public synchronized void reset() throws Exception {
        boolean wasRunning = state == State.RUNNING;
        stop();
        if (state == State.CLOSED) {
            throw new IllegalStateException("processor " + name + " is closed");
        }
        consumer.onReset();
        for (String topic : topics) {
            for (int p = 0; p < store.partitionCount(topic); p++) {
                tokens.store(name, topic, p, 0);
            }
        }
        if (wasRunning) {
            start();
        }
    }

    /** The workers' progress (empty before the first start). */
    public List<PartitionStatus> status() {
        List<PartitionStatus> result = new ArrayList<>();
        for (Worker w : workers.values()) {
            result.add(new PartitionStatus(w.topic, w.partition, w.position, store.endOffset(w.topic, w.partition),
                    w.error, w.failedAttempts));
        }
        return result;
    }

    /** Whether every partition has been handled up to its end at this moment (false before start). */
    public boolean caughtUp() {
        List<PartitionStatus> s = status();
        return !s.isEmpty() && s.stream().allMatch(PartitionStatus::caughtUp);
    }

    @Override
    public synchronized void close() {
        stop();
        state = State.CLOSED;
    }

    private final class Worker implements Runnable {
        final String topic;
        final int partition;
        volatile boolean running = true;
        volatile long position = -1;
        volatile String error;
        volatile int failedAttempts;
        Thread thread;

        Worker(String topic, int partition) {
            this.topic = topic;
            this.partition = partition;
        }

        @Override
        public void run() {
            long next = -1;         // not known until the token is loaded
            long stored = -1;
            long backoff = 100;
            boolean failing = false;
            try {
                while (running) {
                    try {
                        if (next < 0) {
                            next = tokens.load(name, topic, partition).orElse(0L);
                            stored = next;
                            position = next;
                        }
                        List<StoredEvent> batch = store.readPartition(topic, partition, next, batchSize, 200);
                        for (StoredEvent e : batch) {
                            if (!running || !deliver(e)) {
                                break;
                            }
                            next = e.offset() + 1;
                            position = next;
                        }
                        if (next != stored) {
                            tokens.store(name, topic, partition, next);
                            stored = next;
                        }
                        if (failing) {
                            failing = false;
                            backoff = 100;
                            error = null;
                            failedAttempts = 0;
                        }
                    } catch (RuntimeException e) {
                        // Reading or storing the token failed (the handler's failures are retried in deliver):
                        // the same back-off, then again from the last position handled.
                        failing = true;
                        failedAttempts++;
                        error = e.toString();
                        LOG.log(failedAttempts == 1 ? Level.WARNING : Level.FINE, "processor " + name + " cannot read "
                                + topic + "/" + partition + " or store its token; retrying in " + backoff + " ms", e);
                        sleepWhileRunning(backoff);
                        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                    }
                }
                if (next >= 0 && next != stored) {
                    tokens.store(name, topic, partition, next);   // stopped after a failed store: last chance
                }
            } catch (RuntimeException | Error e) {
                error = e.toString();
                LOG.log(Level.SEVERE, "processor " + name + " stopped reading " + topic + "/" + partition, e);
            }
        }

        /** Hands the event to the consumer, retrying until it succeeds; false when stopped meanwhile. */
        private boolean deliver(StoredEvent e) {
            EventMessage<Object> message = decoder.decode(topic, e);
            if (message == null || !consumer.handles(message.payload().getClass())) {
                return true;
            }
            long backoff = 100;
            while (running) {
                try {
                    consumer.handle(message);
                    error = null;
                    failedAttempts = 0;
                    return true;
                } catch (Exception ex) {
                    failedAttempts++;
                    error = ex.toString();
                    LOG.log(failedAttempts == 1 ? Level.WARNING : Level.FINE, "processor " + name + " failed on "
                            + topic + "/" + partition + "@" + e.offset() + " (" + e.eventType() + "), attempt "
                            + failedAttempts + "; retrying in " + backoff + " ms", ex);
                    sleepWhileRunning(backoff);
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                }
            }
            return false;
        }

        private void sleepWhileRunning(long millis) {
            long until = System.nanoTime() + millis * 1_000_000;
            while (running && System.nanoTime() < until) {
                try {
                    Thread.sleep(Math.min(50, millis));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
        }
    }
}
