package io.cairn.server.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.LogException;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;
import io.cairn.log.TopicConfig;
import io.cairn.server.ApiException;
import io.cairn.server.ProblemType;

/** Produce and read against a real engine in a temporary directory. */
class AppendAndReadTest {
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private LogEngine engine;
    private final RecordAppender appender = new RecordAppender(new KeyPartitioner(),
            Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));

    @BeforeEach
    void open() {
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private static List<RecordJson.ProduceRecord> records(String json) {
        return RecordJson.parseBatch(json.getBytes(StandardCharsets.UTF_8), 1000);
    }

    @Test
    void placesRecordsByPartitionKeyOrTurnAndReportsOffsetsInRequestOrder() {
        Topic t = engine.createTopic("t", 3, Map.of());
        RecordAppender.Result first = appender.append(t, records("""
                [{"value":1,"partition":1},{"key":"k","value":2},{"value":3},{"value":4,"partition":1},{"key":"k","value":5}]"""));
        int k = KeyPartitioner.forKey("k".getBytes(StandardCharsets.UTF_8), 3);
        assertThat(first.placed()).containsExactly(
                new RecordAppender.Placed(1, 0),
                new RecordAppender.Placed(k, k == 1 ? 2 : 0),
                new RecordAppender.Placed(0, k == 0 ? 2 : 0),
                new RecordAppender.Placed(1, 1),
                new RecordAppender.Placed(k, k == 1 ? 3 : 1));
        assertThat(first.bytes()).isPositive();
        assertThat(t.partitions().stream().mapToLong(PartitionLog::logEndOffset).sum()).isEqualTo(5);

        RecordRead read = readAll(t.partition(1), 0);
        assertThat(read.values()).startsWith("1", "4");
        assertThat(read.records().get(0).getJsonNumber("timestamp").longValue()).isEqualTo(NOW);
    }

    @Test
    void aRefusedRequestWritesNothingOnAnyPartition() {
        Topic t = engine.createTopic("t", 2, Map.of(TopicConfig.MAX_MESSAGE_BYTES, "200"));
        assertThatThrownBy(() -> appender.append(t, records("[{\"value\":1,\"partition\":0},{\"value\":2,\"partition\":2}]")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.type()).isEqualTo(ProblemType.INVALID_REQUEST))
                .hasMessageContaining("records[1].partition is 2");
        String big = "x".repeat(300);
        assertThatThrownBy(() -> appender.append(t, records("[{\"value\":1,\"partition\":0},{\"value\":\"" + big + "\",\"partition\":1}]")))
                .isInstanceOf(LogException.RecordTooLargeException.class).hasMessageContaining("max.message.bytes=200");
        assertThat(t.partition(0).logEndOffset()).isZero();
        assertThat(t.partition(1).logEndOffset()).isZero();
    }

    @Test
    void readsFromAnOffsetInsideABatchUpToTheLimit() {
        Topic t = engine.createTopic("t", 1, Map.of());
        appender.append(t, records("[{\"value\":0},{\"value\":1},{\"value\":2}]"));
        appender.append(t, records("[{\"value\":3},{\"value\":4}]"));
        PartitionLog p = t.partition(0);

        RecordReader.Page page = RecordReader.read(p, 1, 3);
        assertThat(page.records()).extracting(r -> r.getJsonNumber("offset").longValue()).containsExactly(1L, 2L, 3L);
        assertThat(page.nextOffset()).isEqualTo(4);
        assertThat(page.highWatermark()).isEqualTo(5);

        RecordReader.Page rest = RecordReader.read(p, page.nextOffset(), 100);
        assertThat(rest.records()).extracting(r -> r.get("value").toString()).containsExactly("4");
        assertThat(rest.nextOffset()).isEqualTo(5);

        RecordReader.Page atEnd = RecordReader.read(p, 5, 100);
        assertThat(atEnd.records()).isEmpty();
        assertThat(atEnd.nextOffset()).isEqualTo(5);
    }

    @Test
    void anOffsetOutsideTheLogIsReportedWithTheValidRange() {
        Topic t = engine.createTopic("t", 1, Map.of());
        appender.append(t, records("[{\"value\":0}]"));
        assertThatThrownBy(() -> RecordReader.read(t.partition(0), 2, 10))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.type()).isEqualTo(ProblemType.OFFSET_OUT_OF_RANGE);
                    assertThat(e.extensions()).containsEntry("logStartOffset", 0L).containsEntry("logEndOffset", 1L);
                });
    }

    @Test
    void readsAcrossManyBatches() {
        Topic t = engine.createTopic("t", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024"));
        for (int i = 0; i < 50; i++) {
            appender.append(t, records("[{\"value\":" + i + "}]"));
        }
        assertThat(t.partition(0).segments().size()).isGreaterThan(1);
        assertThat(readAll(t.partition(0), 0).values()).hasSize(50).startsWith("0", "1").endsWith("49");
    }

    @Test
    void concurrentProducesGetDistinctContiguousOffsets() throws Exception {
        Topic t = engine.createTopic("t", 2, Map.of(TopicConfig.FLUSH_MESSAGES, "1000000"));
        int threads = 4;
        int requests = 50;
        Set<RecordAppender.Placed> placed = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < requests; i++) {
                        placed.addAll(appender.append(t, records("[{\"key\":\"w" + writer + "\",\"value\":" + i
                                + "},{\"value\":" + i + "},{\"key\":\"x" + i + "\",\"value\":" + i + "}]")).placed());
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(placed).as("no offset given twice").hasSize(threads * requests * 3);
        for (int p = 0; p < 2; p++) {
            int partition = p;
            long end = t.partition(p).logEndOffset();
            assertThat(placed.stream().filter(x -> x.partition() == partition).mapToLong(RecordAppender.Placed::offset).sorted())
                    .as("partition %d: offsets 0..%d, no gap", p, end - 1)
                    .containsExactlyElementsOf(LongStream.range(0, end).boxed().toList());
        }
    }

    private record RecordRead(List<JsonObject> records, List<String> values) {
    }

    private static RecordRead readAll(PartitionLog p, long from) {
        List<JsonObject> all = new ArrayList<>();
        long next = from;
        while (next < p.highWatermark()) {
            RecordReader.Page page = RecordReader.read(p, next, 7);
            all.addAll(page.records());
            next = page.nextOffset();
        }
        return new RecordRead(all, all.stream().map(r -> r.get("value").toString()).toList());
    }
}
