package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PartitionLog#fetch}: the Kafka fetch read, which may end inside a batch when the data was verified before
 * (appended in this process, recovered, or read with verification). Whole batches in a fetch are always exactly the
 * log's batches from the requested one on, and data not yet verified in this process is still CRC-checked.
 */
class FetchReadTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private LogEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private PartitionLog open() {
        engine = LogEngine.open(LogEngineConfig.builder(dir).clock(new ManualClock(T0)).cleanerIntervalMs(0).build());
        if (engine.topic("f").isEmpty()) {
            engine.createTopic("f", 1, Map.of(TopicConfig.SEGMENT_BYTES, "4096", TopicConfig.FLUSH_MESSAGES, "1000"));
        }
        return engine.partition("f", 0);
    }

    private static List<String> fill(PartitionLog p, int batches, Random random) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < batches; i++) {
            int n = 1 + random.nextInt(5);
            String[] vs = new String[n];
            for (int j = 0; j < n; j++) {
                vs[j] = "v" + values.size() + "-" + "x".repeat(random.nextInt(80));
                values.add(vs[j]);
            }
            p.append(Batches.of(T0 + i, vs));
        }
        return values;
    }

    /** Consumes like a Kafka client: whole batches only, next fetch after the last whole record. */
    private static List<Batches.Read> consume(PartitionLog p, int maxBytes) {
        List<Batches.Read> out = new ArrayList<>();
        long next = 0;
        while (next < p.highWatermark()) {
            List<Batches.Read> got = Batches.records(p.fetch(next, maxBytes, true).records());
            assertThat(got).as("fetch at %d returned no whole batch", next).isNotEmpty();
            for (Batches.Read r : got) {
                if (r.offset() >= next) {
                    out.add(r);
                }
            }
            next = got.get(got.size() - 1).offset() + 1;
        }
        return out;
    }

    @Test
    void fetchesEndingInsideABatchDeliverEveryRecordOnceInOrder() {
        PartitionLog p = open();
        List<String> values = fill(p, 300, new Random(7));
        assertThat(p.segments().size()).isGreaterThan(3);
        for (int maxBytes : new int[]{1, 97, 150, 333, 1000, 5000, 1 << 20}) {
            List<Batches.Read> read = consume(p, maxBytes);
            assertThat(read).extracting(Batches.Read::value).as("maxBytes %d", maxBytes).containsExactlyElementsOf(values);
            assertThat(read).extracting(Batches.Read::offset).as("maxBytes %d", maxBytes)
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(0, values.size()).boxed().toList());
        }
    }

    @Test
    void aFetchMayEndInsideABatchButNeverExceedsMaxBytesPastTheFirstBatch() {
        PartitionLog p = open();
        fill(p, 50, new Random(3));
        int sizeOfAll = 0;
        int endedInsideABatch = 0;
        long next = 0;
        while (next < p.highWatermark()) {
            PartitionLog.ReadResult r = p.fetch(next, 200, true);
            List<Batches.Read> got = Batches.records(r.records());
            int whole = 0;
            for (var b : r.records().batches()) {
                whole += b.sizeInBytes();
            }
            // at most maxBytes, unless the first batch alone is larger (then exactly that batch)
            assertThat(r.sizeInBytes()).isLessThanOrEqualTo(Math.max(200, whole));
            sizeOfAll += whole;
            if (r.sizeInBytes() > whole) {
                endedInsideABatch++;
            }
            next = got.get(got.size() - 1).offset() + 1;
        }
        assertThat(sizeOfAll).isEqualTo(p.sizeInBytes());
        // data appended in this process is verified: fetches of it are cut at maxBytes, not at a batch boundary
        assertThat(endedInsideABatch).isPositive();
        // without minOneBatch a first batch larger than maxBytes gives an empty read, not a partial batch
        assertThat(p.fetch(0, 10, false).sizeInBytes()).isZero();
    }

    @Test
    void aFetchFillsMaxBytesUpToTheEndOfItsSegmentAsKafkasDoes() {
        PartitionLog p = open();
        fill(p, 100, new Random(5));
        assertThat(p.segments().size()).isGreaterThan(1);
        // one fetch reads from one segment only (as Kafka's does): with no limit, the first segment whole
        int firstSegment = p.fetch(0, 1 << 20, true).sizeInBytes();
        assertThat(firstSegment).isLessThan((int) p.sizeInBytes());
        // below that, exactly maxBytes: the client gets as many bytes per round trip from Cairn as from Kafka
        for (int maxBytes : new int[]{firstSegment / 4, firstSegment / 2, firstSegment - 1, firstSegment}) {
            assertThat(p.fetch(0, maxBytes, true).sizeInBytes()).as("maxBytes %d", maxBytes).isEqualTo(maxBytes);
        }
    }

    @Test
    void dataNotVerifiedInThisProcessIsCheckedByFetchToo() throws Exception {
        PartitionLog p = open();
        fill(p, 200, new Random(11));
        long closedSegment = p.segments().get(1).baseOffset();
        engine.close();
        engine = null;
        Path pd = LogFiles.partitionDir(dir, "f", 0);
        Path file = LogFiles.segmentFile(pd, closedSegment, ".log");
        LogFiles.BatchAt bad = LogFiles.batches(file).get(1);
        LogFiles.flipByte(file, bad.position() + bad.size() - 3);

        PartitionLog reopened = open();
        assertThatThrownBy(() -> reopened.fetch(bad.baseOffset(), 1 << 20, true))
                .isInstanceOf(LogException.CorruptBatchException.class)
                .hasMessageContaining(file.toString());
        // a fetch from the start of that segment stops before the corrupt batch: only intact batches go out
        List<Batches.Read> before = Batches.records(reopened.fetch(closedSegment, 1 << 20, true).records());
        assertThat(before).isNotEmpty();
        assertThat(before.get(before.size() - 1).offset()).isLessThan(bad.baseOffset());
        assertThat(reopened.fetch(closedSegment, 1 << 20, true).sizeInBytes()).isEqualTo(bad.position());
    }
}
