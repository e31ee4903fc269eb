package io.cairn.log.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM that appends through the store ({@link StoreCrashAppender}) with SIGKILL, three times on the same
 * data, and checks after each kill: every acknowledged event is there, each aggregate's events are numbered 0, 1, 2, ...
 * without gap or duplicate, each payload is the one written for its sequence, and the next child goes on from there.
 */
class StoreCrashTest {
    @TempDir
    Path tmp;

    @Test
    void nothingAcknowledgedIsLostAcrossKills() throws Exception {
        Path data = tmp.resolve("data");
        Map<String, Long> acked = new HashMap<>();
        for (int cycle = 0; cycle < 3; cycle++) {
            int acks = runAndKill(data, cycle, acked);
            try (LogEngine engine = LogEngine.open(LogEngineConfig.builder(data).cleanerIntervalMs(0).build())) {
                LogEventStore store = LogEventStore.of(engine);
                for (int t = 0; t < StoreCrashAppender.THREADS; t++) {
                    for (int k = 0; k < StoreCrashAppender.AGGREGATES_PER_THREAD; k++) {
                        String id = StoreCrashAppender.aggregate(t, k);
                        List<StoredEvent> events = store.read(StoreCrashAppender.TOPIC, id, 0);
                        long ackedLast = acked.getOrDefault(id, EventStore.NEW_AGGREGATE);
                        assertThat((long) events.size() - 1).as("%s: events after kill %d", id, cycle).isGreaterThanOrEqualTo(ackedLast);
                        for (int i = 0; i < events.size(); i++) {
                            assertThat(events.get(i).sequence()).isEqualTo(i);
                            assertThat(new String(events.get(i).payload(), StandardCharsets.UTF_8))
                                    .isEqualTo(StoreCrashAppender.payload(id, i));
                        }
                        assertThat(store.lastSequence(StoreCrashAppender.TOPIC, id)).isEqualTo(events.size() - 1);
                    }
                }
            }
            System.out.printf("StoreCrashTest cycle %d: %d acknowledged appends, all found%n", cycle, acks);
        }
    }

    /** Runs a child until it acknowledged some appends, kills it with SIGKILL, records its acks; returns their count. */
    private int runAndKill(Path data, int cycle, Map<String, Long> acked) throws Exception {
        File err = tmp.resolve("child.err").toFile();
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process child = new ProcessBuilder(List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                StoreCrashAppender.class.getName(), data.toString(), Integer.toString(cycle)))
                .redirectError(ProcessBuilder.Redirect.appendTo(err)).start();
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        Thread reader = new Thread(() -> readCompleteLines(child.getInputStream(), lines), "child-stdout");
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            int wanted = 200 + 150 * cycle;
            while (lines.size() < wanted) {
                if (!child.isAlive()) {
                    fail("child exited with " + child.exitValue() + "; output " + lines + "; stderr:\n" + Files.readString(err.toPath()));
                }
                if (System.nanoTime() > deadline) {
                    fail("child acknowledged only " + lines.size() + " appends in 120 s; stderr:\n" + Files.readString(err.toPath()));
                }
                Thread.sleep(5);
            }
        } finally {
            // SIGKILL through the handle: Process.destroyForcibly() would also close our end of the child's stdout
            child.toHandle().destroyForcibly();
            child.waitFor();
            reader.join();
        }
        int acks = 0;
        for (String line : lines) {
            String[] f = line.split(" ");
            if (!f[0].equals("ACK")) {
                fail("child reported " + line + "; stderr:\n" + Files.readString(err.toPath()));
            }
            acked.merge(f[1], Long.parseLong(f[2]), Math::max);
            acks++;
        }
        return acks;
    }

    /** Collects newline-terminated lines; an unterminated last line (cut by the kill) is dropped. */
    private static void readCompleteLines(InputStream in, ConcurrentLinkedQueue<String> out) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        out.add(line.toString(StandardCharsets.US_ASCII));
                        line.reset();
                    } else {
                        line.write(buf[i]);
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("reading the child's stdout failed: acknowledgements may be missing", e);
        }
    }
}
