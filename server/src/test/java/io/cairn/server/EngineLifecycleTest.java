package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
    private final EngineLifecycle lifecycle = new EngineLifecycle(executor, opened::add);

    @AfterEach
    void shutdown() throws InterruptedException {
        lifecycle.stop(5);
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }

    private Settings settings() {
        return new Settings(dir, 1, Optional.empty(), 1 << 20, 1000, "localhost", 9080,
                new Settings.KafkaListener(false, "localhost", 9092));
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
    void invalidSettingsFailWithoutStarting() {
        lifecycle.failed("invalid settings: cairn.default.partitions must be at least 1", null);
        assertThat(lifecycle.state()).isEqualTo(EngineState.FAILED);
        assertThatThrownBy(() -> lifecycle.start(settings())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(lifecycle::engine).hasMessageContaining("cairn.default.partitions");
    }
}
