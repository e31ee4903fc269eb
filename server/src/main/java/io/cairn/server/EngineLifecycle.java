package io.cairn.server;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.log.LogEngine;
import io.cairn.log.kafka.BrokerMetrics;
import io.cairn.log.kafka.ConsumerGroupInfo;

/**
 * The engine's life inside the application, without the container: {@link #start} opens the engine on an executor,
 * {@link #stop} closes it, and {@link EngineState} says where it is. {@link EngineHolder} is its CDI face.
 *
 * <p>The Kafka listener ({@link KafkaListenerHost}) lives inside the engine's life: it starts once the engine is open
 * (before {@link EngineOpened} is announced, so the banner can tell its address) and stops before the engine closes.
 *
 * <p>Opening runs on the executor (Liberty's managed executor in the server) so that a long recovery does not hold up
 * the application's start. A stop while opening waits for the open to end (at most the given time) and then closes
 * whatever was opened.
 *
 * <p>Thread-safety: safe for concurrent use; state changes are serialized on {@code lock}.
 */
final class EngineLifecycle {
    private static final Logger log = LoggerFactory.getLogger(EngineLifecycle.class);

    private final ExecutorService executor;
    private final ThreadFactory threads;
    private final BrokerMetrics kafkaMetrics;
    private final Consumer<EngineOpened> onOpened;
    private final Object lock = new Object();
    private volatile EngineState state = EngineState.STARTING;
    private volatile LogEngine engine;
    private volatile Settings settings;
    private volatile String failure;
    private volatile KafkaListenerHost kafka;
    private Future<?> opening;
    private final List<Runnable> beforeClose = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param executor opens the engine
     * @param threads  makes the engine's and the Kafka listener's threads
     * @param kafkaMetrics told about every Kafka request (null: nobody)
     * @param onOpened told once the engine (and the Kafka listener, when enabled) serves
     */
    EngineLifecycle(ExecutorService executor, ThreadFactory threads, BrokerMetrics kafkaMetrics,
                    Consumer<EngineOpened> onOpened) {
        this.executor = executor;
        this.threads = threads;
        this.kafkaMetrics = kafkaMetrics;
        this.onOpened = onOpened;
    }

    /** Starts opening the engine with {@code s}; returns at once. */
    void start(Settings s) {
        synchronized (lock) {
            if (state != EngineState.STARTING || opening != null) {
                throw new IllegalStateException("The engine was already started (state " + state + ")");
            }
            settings = s;
            kafka = new KafkaListenerHost(s.kafka(), threads, kafkaMetrics);
            opening = executor.submit(this::open);
        }
    }

    private void open() {
        Settings s = settings;
        log.info("Opening the log engine on {}", s.dataDir().toAbsolutePath());
        LogEngine e;
        try {
            e = LogEngine.open(s.engineConfig(threads));
        } catch (RuntimeException ex) {
            failed(ex.getMessage(), ex);
            return;
        }
        synchronized (lock) {
            if (!state.canMoveTo(EngineState.OPEN)) {
                e.close(); // the application stopped while the engine recovered
                return;
            }
            engine = e;
            state = EngineState.OPEN;
        }
        kafka.start(e, s.defaultPartitions()); // no-op if a stop came first: it stops the listener before closing
        onOpened.accept(new EngineOpened(e, s, kafka.status()));
    }

    /** The engine cannot be opened: {@code reason} is reported by health checks and 503 answers. */
    void failed(String reason, Throwable cause) {
        synchronized (lock) {
            if (!state.canMoveTo(EngineState.FAILED)) {
                return;
            }
            failure = reason;
            state = EngineState.FAILED;
        }
        log.error("The log engine could not be opened: {}", reason, cause);
    }

    /** Closes the engine (waiting at most {@code openWaitSeconds} for an open in progress); idempotent. */
    void stop(long openWaitSeconds) {
        Future<?> f;
        synchronized (lock) {
            f = opening;
        }
        if (f != null) {
            try {
                f.get(openWaitSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.warn("Stopping while the log engine is still opening: {}", e.toString());
            }
        }
        LogEngine e;
        KafkaListenerHost k;
        synchronized (lock) {
            if (!state.canMoveTo(EngineState.CLOSED)) {
                return;
            }
            state = EngineState.CLOSED;
            e = engine;
            engine = null;
            k = kafka;
        }
        for (Runnable r : beforeClose) {
            try {
                r.run(); // users of the engine (CDC) stop while it is still open
            } catch (RuntimeException ex) {
                log.warn("Stopping before the engine closes: {}", ex.toString(), ex);
            }
        }
        if (k != null) {
            k.stop(); // before the engine closes: in-flight Kafka requests finish on an open engine
        }
        if (e != null) {
            e.close();
        }
    }

    /** Runs {@code r} when the engine is about to close (before the Kafka listener stops), once. */
    void beforeClose(Runnable r) {
        beforeClose.add(r);
    }

    /** The open engine; fails with {@link EngineUnavailableException} (503) while starting, after a failure, or once closed. */
    LogEngine engine() {
        LogEngine e = engine;
        if (e != null) {
            return e;
        }
        throw switch (state) {
            case STARTING -> new EngineUnavailableException("The log engine is still opening (recovering partitions)", true);
            case FAILED -> new EngineUnavailableException("The log engine failed to open: " + failure, false);
            default -> new EngineUnavailableException("The log engine is shut down", false);
        };
    }

    EngineState state() {
        return state;
    }

    String failure() {
        return failure;
    }

    Settings settings() {
        return settings;
    }

    /** The Kafka listener's status; WAITING before the settings are known. */
    KafkaListenerHost.Status kafka() {
        KafkaListenerHost k = kafka;
        return k == null ? new KafkaListenerHost.Status(KafkaListenerHost.State.WAITING, "", 0, failure) : k.status();
    }

    /** The Kafka listener's consumer groups; empty when it is not listening. */
    List<ConsumerGroupInfo> consumerGroups() {
        KafkaListenerHost k = kafka;
        return k == null ? List.of() : k.consumerGroups();
    }
}
