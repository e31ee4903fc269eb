package io.cairn.log.store;

import static io.cairn.log.store.LogEventStoreTest.event;
import static io.cairn.log.store.LogEventStoreTest.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.ManualClock;
import io.cairn.log.PartitionLog;
import io.cairn.log.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mapped aggregate index: restarts, crashes, corrupt files, collisions, growth, retention and compaction. */
class AggregateIndexTest {
    @TempDir
    Path dir;
    @TempDir
    Path copy;
    private LogEngine engine;
    private LogEventStore store;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private void open(Path at) {
        engine = LogEngine.open(LogEngineConfig.builder(at).cleanerIntervalMs(0).build());
        store = LogEventStore.of(engine);
    }

    private void reopen() {
        engine.close();
        open(dir);
    }

    /** Ten aggregates of one partition (topic with one partition), 5 events each, appended interleaved. */
    private void fill(String topic, int aggregates, int events) {
        for (int e = 0; e < events; e++) {
            for (int a = 0; a < aggregates; a++) {
                store.append(topic, "agg-" + a, e - 1, List.of(event("E", a + ":" + e)));
            }
        }
    }

    private void assertFilled(String topic, int aggregates, int events) {
        for (int a = 0; a < aggregates; a++) {
            List<StoredEvent> read = store.read(topic, "agg-" + a, 0);
            assertThat(read).hasSize(events);
            for (int e = 0; e < events; e++) {
                assertThat(read.get(e).sequence()).isEqualTo(e);
                assertThat(payload(read.get(e))).isEqualTo(a + ":" + e);
            }
        }
    }

    private Path partitionDir(Path root, String topic) {
        return root.resolve(topic).resolve("0");
    }

    @Test
    void aCleanCloseIsLoadedAndTheTailAfterItReplayed() {
        open(dir);
        store.ensureTopic("t", 1, false);
        fill("t", 10, 5);
        reopen();
        assertThat(store.indexOf("t", 0).origin()).isEqualTo("loaded");
        assertThat(store.indexOf("t", 0).aggregates()).isEqualTo(10);
        assertThat(store.indexOf("t", 0).indexedTo()).isEqualTo(50);
        assertFilled("t", 10, 5);

        // appended behind the store's back (as a Kafka producer would), after the checkpoint: replayed from the log
        reopen();
        PartitionLog p = engine.partition("t", 0);
        p.append(EventCodec.encode("t", "agg-3".getBytes(StandardCharsets.UTF_8), 5, List.of(event("E", "3:5")), 1));
        p.append(EventCodec.encode("t", "fresh".getBytes(StandardCharsets.UTF_8), 0, List.of(event("E", "f")), 1));
        // a duplicate sequence is not an event of the aggregate
        p.append(EventCodec.encode("t", "agg-4".getBytes(StandardCharsets.UTF_8), 2, List.of(event("E", "bogus")), 1));
        assertThat(store.lastSequence("t", "agg-3")).isEqualTo(5);
        assertThat(store.lastSequence("t", "agg-4")).isEqualTo(4);
        assertThat(store.read("t", "fresh", 0)).extracting(LogEventStoreTest::payload).containsExactly("f");
        assertThat(store.read("t", "agg-4", 0)).hasSize(5);
        assertThat(store.indexOf("t", 0).origin()).isEqualTo("loaded");
    }

    @Test
    void aCrashBetweenCheckpointsRebuildsTheIndexFromTheLog() throws IOException {
        open(dir);
        store.ensureTopic("t", 1, false);
        fill("t", 10, 5);
        // What a SIGKILL leaves: the files as they are in the page cache, no clean close of engine or index.
        copyDirectory(dir, copy);
        engine.close();
        engine = null;
        open(copy);
        AggregateIndex index = store.indexOf("t", 0);
        assertThat(index.origin()).startsWith("rebuilt").contains("not closed at a checkpoint");
        assertFilled("t", 10, 5);
        assertThat(index.aggregates()).isEqualTo(10);
        store.append("t", "agg-0", 4, List.of(event("E", "0:5")));
        assertThat(store.lastSequence("t", "agg-0")).isEqualTo(5);
    }

    @Test
    void anIdleIndexIsCheckpointedSoACrashAfterwardsReplaysOnlyTheTail() throws IOException {
        ManualClock clock = new ManualClock(1_000_000);
        engine = LogEngine.open(LogEngineConfig.builder(dir).clock(clock).cleanerIntervalMs(0).build());
        store = LogEventStore.of(engine);
        store.ensureTopic("t", 1, false);
        fill("t", 10, 5);
        AggregateIndex index = store.indexOf("t", 0);
        assertThat(index.dirty()).isTrue();
        clock.advance(11_000); // past the checkpoint interval: the engine's scheduler takes the checkpoint
        await().atMost(Duration.ofSeconds(30)).until(() -> !index.dirty());
        // appended after the checkpoint by a Kafka producer, say, then the process dies
        engine.partition("t", 0).append(EventCodec.encode("t", "late".getBytes(StandardCharsets.UTF_8), 0,
                List.of(event("E", "late-0")), 1));
        copyDirectory(dir, copy);
        engine.close();
        engine = null;
        open(copy);
        assertThat(store.indexOf("t", 0).origin()).isEqualTo("loaded");
        assertThat(store.indexOf("t", 0).indexedTo()).isEqualTo(50);
        assertThat(store.read("t", "late", 0)).extracting(LogEventStoreTest::payload).containsExactly("late-0");
        assertFilled("t", 10, 5);
    }

    @Test
    void aCorruptOrMissingIndexFileIsRebuilt() throws IOException {
        open(dir);
        store.ensureTopic("t", 1, false);
        fill("t", 10, 5);
        engine.close();
        try (RandomAccessFile f = new RandomAccessFile(partitionDir(dir, "t").resolve(AggregateIndex.TABLE_FILE).toFile(), "rw")) {
            f.seek(24);
            f.writeLong(3); // indexedTo changed: the header CRC no longer matches
        }
        open(dir);
        assertThat(store.indexOf("t", 0).origin()).isEqualTo("rebuilt: header CRC mismatch");
        assertFilled("t", 10, 5);

        engine.close();
        Files.delete(partitionDir(dir, "t").resolve(AggregateIndex.DATA_FILE));
        open(dir);
        assertThat(store.indexOf("t", 0).origin()).contains("missing");
        assertFilled("t", 10, 5);

        engine.close();
        Files.write(partitionDir(dir, "t").resolve(AggregateIndex.TABLE_FILE), new byte[] {1, 2, 3});
        open(dir);
        assertThat(store.indexOf("t", 0).origin()).contains("shorter than its header");
        assertFilled("t", 10, 5);
    }

    @Test
    void hashCollisionsAreResolvedByTheStoredIds() {
        open(dir);
        engine.createTopic("c", 1, Map.of(TopicConfig.FLUSH_MESSAGES, "1000000"));
        PartitionLog p = engine.partition("c", 0);
        int aggregates = 1500; // past the first table's 0.7 load: the table grows with every slot colliding
        for (int a = 0; a < aggregates; a++) {
            p.append(EventCodec.encode("c", ("id-" + a).getBytes(StandardCharsets.UTF_8), 0,
                    List.of(event("E", "a"), event("E", "b")), 1));
        }
        p.append(EventCodec.encode("c", "id-7".getBytes(StandardCharsets.UTF_8), 2, List.of(event("E", "c")), 1));
        AggregateIndex index = AggregateIndex.open(p, key -> 42, Clock.systemUTC());
        try {
            index.lock.lock();
            index.catchUp(p.logEndOffset());
            assertThat(index.aggregates()).isEqualTo(aggregates);
            for (int a = 0; a < aggregates; a++) {
                byte[] key = ("id-" + a).getBytes(StandardCharsets.UTF_8);
                assertThat(index.lastSequence(key)).isEqualTo(a == 7 ? 2 : 1);
                AggregateIndex.Lookup l = index.lookup(key, 0);
                assertThat(l.offsets()).startsWith(2L * a);
            }
            assertThat(index.lookup("id-7".getBytes(StandardCharsets.UTF_8), 2).offsets()).containsExactly(2L * aggregates);
            assertThat(index.lastSequence("id-x".getBytes(StandardCharsets.UTF_8))).isEqualTo(EventStore.NEW_AGGREGATE);
        } finally {
            index.close();
            index.lock.unlock();
        }
    }

    @Test
    void manyAggregatesAndLongStreamsSurviveAReopen() {
        open(dir);
        engine.createTopic("m", 1, Map.of(TopicConfig.FLUSH_MESSAGES, "1000000")); // no fsync per append: test speed
        store.ensureTopic("m", 1, false); // a no-op on an existing topic
        PartitionLog p = engine.partition("m", 0);
        int aggregates = 20_000;
        for (int a = 0; a < aggregates; a++) {
            p.append(EventCodec.encode("m", ("a" + a).getBytes(StandardCharsets.UTF_8), 0, List.of(event("E", "x" + a)), 1));
        }
        // one long stream, one event per batch: postings span many blocks
        for (int e = 0; e < 3000; e++) {
            store.append("m", "long", e - 1, List.of(event("E", "e" + e)));
        }
        assertThat(store.read("m", "a12345", 0)).extracting(LogEventStoreTest::payload).containsExactly("x12345");
        reopen();
        assertThat(store.indexOf("m", 0).origin()).isEqualTo("loaded");
        assertThat(store.indexOf("m", 0).aggregates()).isEqualTo(aggregates + 1);
        for (int a = 0; a < aggregates; a += 997) {
            assertThat(store.read("m", "a" + a, 0)).extracting(LogEventStoreTest::payload).containsExactly("x" + a);
        }
        List<StoredEvent> stream = store.read("m", "long", 0);
        assertThat(stream).hasSize(3000);
        for (int e = 0; e < 3000; e++) {
            assertThat(stream.get(e).sequence()).isEqualTo(e);
        }
        assertThat(store.read("m", "long", 2500)).extracting(StoredEvent::sequence).first().isEqualTo(2500L);
        assertThat(store.read("m", "long", 2999)).extracting(LogEventStoreTest::payload).containsExactly("e2999");
        assertThat(store.readLast("m", "long")).get().extracting(StoredEvent::sequence).isEqualTo(2999L);
    }

    @Test
    void compactionKeepsTheLatestEventPerAggregateAndSequencesGoOn() throws IOException {
        open(dir);
        store.ensureTopic("snap", 1, true);
        assertThat(engine.requireTopic("snap").config().values()).containsEntry(TopicConfig.CLEANUP_POLICY, "compact");
        for (int s = 0; s < 3; s++) {
            store.append("snap", "a", s - 1, List.of(event("Snapshot", "a" + s)));
            store.append("snap", "b", s - 1, List.of(event("Snapshot", "b" + s)));
        }
        engine.partition("snap", 0).roll();
        store.append("snap", "c", EventStore.NEW_AGGREGATE, List.of(event("Snapshot", "c0")));
        engine.alterTopicConfig("snap", Map.of(TopicConfig.MIN_COMPACTION_LAG_MS, "0"));
        assertThat(engine.runCompaction()).isPositive();
        assertThat(store.readLast("snap", "a")).get().extracting(LogEventStoreTest::payload).isEqualTo("a2");
        assertThat(store.read("snap", "a", 0)).extracting(LogEventStoreTest::payload).containsExactly("a2");
        assertThat(store.read("snap", "b", 0)).extracting(StoredEvent::sequence).containsExactly(2L);
        assertThat(store.lastSequence("snap", "a")).isEqualTo(2);
        store.append("snap", "a", 2, List.of(event("Snapshot", "a3")));
        assertThat(store.read("snap", "a", 0)).extracting(LogEventStoreTest::payload).containsExactly("a2", "a3");
        // a rebuild from the compacted log: the surviving sequences still count
        reopen();
        engine.close();
        Files.delete(partitionDir(dir, "snap").resolve(AggregateIndex.TABLE_FILE));
        open(dir);
        assertThat(store.indexOf("snap", 0).origin()).contains("missing");
        assertThat(store.lastSequence("snap", "b")).isEqualTo(2);
        assertThat(store.read("snap", "a", 0)).extracting(LogEventStoreTest::payload).containsExactly("a2", "a3");
    }

    @Test
    void deletedRecordsAreGoneFromReadsButTheSequenceIsKept() throws IOException {
        open(dir);
        store.ensureTopic("r", 1, false);
        for (int e = 0; e < 6; e++) {
            store.append("r", "a", e - 1, List.of(event("E", "a" + e)));
        }
        engine.partition("r", 0).deleteRecordsBefore(3);
        assertThat(store.read("r", "a", 0)).extracting(LogEventStoreTest::payload).containsExactly("a3", "a4", "a5");
        assertThat(store.lastSequence("r", "a")).isEqualTo(5);
        store.append("r", "a", 5, List.of(event("E", "a6")));
        assertThat(store.read("r", "a", 5)).extracting(LogEventStoreTest::payload).containsExactly("a5", "a6");
        // rebuilt from what retention left: the aggregate starts at its first surviving event
        engine.close();
        Files.delete(partitionDir(dir, "r").resolve(AggregateIndex.DATA_FILE));
        open(dir);
        assertThat(store.read("r", "a", 0)).extracting(StoredEvent::sequence).containsExactly(3L, 4L, 5L, 6L);
        assertThat(store.lastSequence("r", "a")).isEqualTo(6);
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        List<Path> all = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(from)) {
            walk.forEach(all::add);
        }
        for (Path f : all) {
            Path target = to.resolve(from.relativize(f).toString());
            if (Files.isDirectory(f)) {
                Files.createDirectories(target);
            } else if (!f.getFileName().toString().equals(".lock")) {
                Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
