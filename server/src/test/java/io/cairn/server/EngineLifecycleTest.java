package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;

/** One test per way through {@link EngineState}, against a real engine in a temporary directory. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EngineLifecycleTest {
    @TempDir
    Path dir;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final List<EngineOpened> opened = new CopyOnWriteArrayList<>();
    private final Set<Thread> threadsMade = ConcurrentHashMap.newKeySet();
    private final ThreadFactory threads = r -> {
        Thread t = new Thread(r);
        t.setDaemon(true);
        threadsMade.add(t);
        return t;
    };
    private final EngineLifecycle lifecycle = new EngineLifecycle(executor, threads, null, opened::add);

    @AfterEach
    void shutdown() throws InterruptedException {
        lifecycle.stop(5);
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }

    private Settings settings() {
        return settings(new Settings.KafkaListener(false, "localhost", 9092));
    }

    private Settings settings(Settings.KafkaListener kafka) {
        return new Settings(dir, 1, Optional.empty(), 1 << 20, 1000, "localhost", 9080, kafka);
    }

    /** The Kafka listener starts after the state turns OPEN; the opened event comes after it started (or failed). */
    private void awaitOpenedEvent() throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (opened.isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(10);
        }
        assertThat(opened).hasSize(1);
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void awaitState(EngineState expected) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (lifecycle.state() != expected && Instant.now().isBefore(deadline)) {
            Thread.sleep(10);
        }
        assertThat(lifecycle.state()).isEqualTo(expected);
    }

    /** Holds the executor's only thread until the latch opens, so the engine's open waits too. */
    private CountDownLatch blockExecutor() {
        CountDownLatch release = new CountDownLatch(1);
        executor.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return release;
    }

    @Test
    void opensServesAndClosesCleanly() throws InterruptedException {
        lifecycle.start(settings());
        awaitState(EngineState.OPEN);
        assertThat(lifecycle.state().ready()).isTrue();
        lifecycle.engine().createTopic("t", 1, Map.of());
        assertThat(opened).hasSize(1);
        assertThat(opened.get(0).engine()).isSameAs(lifecycle.engine());

        lifecycle.stop(5);
        assertThat(lifecycle.state()).isEqualTo(EngineState.CLOSED);
        assertThatThrownBy(lifecycle::engine).isInstanceOfSatisfying(EngineUnavailableException.class,
                e -> assertThat(e.isTransient()).isFalse());
        try (LogEngine again = LogEngine.open(LogEngineConfig.builder(dir).build())) {
            assertThat(again.topic("t")).as("closed cleanly and unlocked").isPresent();
        }
    }

    @Test
    void whileOpeningTheEngineIsLiveNotReadyAndCallsMayRetry() throws InterruptedException {
        CountDownLatch release = blockExecutor();
        lifecycle.start(settings());
        assertThat(lifecycle.state()).isEqualTo(EngineState.STARTING);
        assertThat(lifecycle.state().live()).isTrue();
        assertThat(lifecycle.state().ready()).isFalse();
        assertThatThrownBy(lifecycle::engine).isInstanceOfSatisfying(EngineUnavailableException.class,
                e -> assertThat(e.isTransient()).isTrue());
        release.countDown();
        awaitState(EngineState.OPEN);
    }

    @Test
    void aDataDirectoryInUseFailsTheOpenWithTheReason() throws InterruptedException {
        try (LogEngine other = LogEngine.open(LogEngineConfig.builder(dir).build())) {
            lifecycle.start(settings());
            awaitState(EngineState.FAILED);
            assertThat(lifecycle.failure()).contains("in use");
            assertThat(lifecycle.state().live()).isFalse();
            assertThatThrownBy(lifecycle::engine).hasMessageContaining("failed to open").hasMessageContaining("in use");
            lifecycle.stop(5);
            assertThat(lifecycle.state()).isEqualTo(EngineState.CLOSED);
            assertThat(opened).isEmpty();
        }
    }

    @Test
    void stoppingWhileOpeningClosesWhatTheOpenProduces() throws InterruptedException {
        CountDownLatch release = blockExecutor();
        lifecycle.start(settings());
        lifecycle.stop(0);
        assertThat(lifecycle.state()).isEqualTo(EngineState.CLOSED);
        release.countDown();
        executor.shutdown();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(lifecycle.state()).isEqualTo(EngineState.CLOSED);
        assertThat(opened).isEmpty();
        try (LogEngine again = LogEngine.open(LogEngineConfig.builder(dir).build())) {
            assertThat(again.topics()).as("the late open released the directory").isEmpty();
        }
    }

    @Test
    void theEnginesThreadsComeFromTheGivenFactoryAndEndWhenItCloses() throws InterruptedException {
        lifecycle.start(settings());
        awaitState(EngineState.OPEN);
        lifecycle.engine().createTopic("t", 2, Map.of());
        assertThat(threadsMade).as("scheduler and cleaner threads")
                .anyMatch(t -> t.getName().startsWith("cairn-log-scheduler-"))
                .anyMatch(t -> t.getName().startsWith("cairn-log-cleaner-"));
        Set<Thread> before = Set.copyOf(threadsMade);
        Set<String> engineThreadsNotFromTheFactory = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("cairn-log-") && !threadsMade.contains(t)) {
                engineThreadsNotFromTheFactory.add(t.getName());
            }
        }
        assertThat(engineThreadsNotFromTheFactory).isEmpty();

        lifecycle.stop(5);
        for (Thread t : before) {
            t.join(5_000);
        }
        assertThat(before).as("no engine thread outlives the engine").noneMatch(Thread::isAlive);
    }

    @Test
    void theKafkaListenerServesOnceTheEngineIsOpenAndStopsBeforeItCloses() throws InterruptedException {
        lifecycle.start(settings(new Settings.KafkaListener(true, "127.0.0.1", 0)));
        assertThat(lifecycle.kafka().state()).isIn(KafkaListenerHost.State.WAITING, KafkaListenerHost.State.LISTENING);
        awaitOpenedEvent();
        KafkaListenerHost.Status listening = opened.get(0).kafka();
        assertThat(listening.state()).isEqualTo(KafkaListenerHost.State.LISTENING);
        assertThat(listening.address()).startsWith("127.0.0.1:").isNotEqualTo("127.0.0.1:0");
        int port = Integer.parseInt(listening.address().substring("127.0.0.1:".length()));
        assertThat(accepts(port)).isTrue();
        assertThat(lifecycle.engine().topic("__consumer_offsets")).as("the group coordinator's topic").isPresent();
        assertThat(threadsMade).as("the listener's threads come from the given factory")
                .anyMatch(t -> t.getName().startsWith("cairn-kafka-accept-"));

        lifecycle.stop(5);
        assertThat(lifecycle.kafka().state()).isEqualTo(KafkaListenerHost.State.STOPPED);
        assertThat(accepts(port)).isFalse();
        assertThat(lifecycle.consumerGroups()).isEmpty();
    }

    @Test
    void aTakenKafkaPortFailsTheListenerButNotTheEngine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            lifecycle.start(settings(new Settings.KafkaListener(true, "127.0.0.1", taken.getLocalPort())));
            awaitOpenedEvent();
            KafkaListenerHost.Status failed = lifecycle.kafka();
            assertThat(failed.state()).isEqualTo(KafkaListenerHost.State.FAILED);
            assertThat(failed.state().ready()).isFalse();
            assertThat(failed.failure()).contains(Integer.toString(taken.getLocalPort()));
            assertThat(opened.get(0).kafka().state()).isEqualTo(KafkaListenerHost.State.FAILED);
            lifecycle.engine().createTopic("still-serving", 1, Map.of());
        }
    }

    @Test
    void aDisabledKafkaListenerIsReadyAndNeverListens() throws InterruptedException {
        lifecycle.start(settings());
        awaitOpenedEvent();
        assertThat(lifecycle.kafka().state()).isEqualTo(KafkaListenerHost.State.DISABLED);
        assertThat(lifecycle.kafka().state().ready()).isTrue();
        assertThat(lifecycle.engine().topic("__consumer_offsets")).isEmpty();
        lifecycle.stop(5);
        assertThat(lifecycle.kafka().state()).isEqualTo(KafkaListenerHost.State.DISABLED);
    }

    @Test
    void invalidSettingsFailWithoutStarting() {
        lifecycle.failed("invalid settings: cairn.default.partitions must be at least 1", null);
        assertThat(lifecycle.state()).isEqualTo(EngineState.FAILED);
        assertThatThrownBy(() -> lifecycle.start(settings())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(lifecycle::engine).hasMessageContaining("cairn.default.partitions");
    }
}
