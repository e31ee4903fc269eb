package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour when an index is full: the data it could not index must still count. */
class IndexLimitsTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(T0 + 1000);
    private LogEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private LogEngineConfig config() {
        return LogEngineConfig.builder(dir).clock(clock).cleanerIntervalMs(0).build();
    }

    private static MemoryRecords concat(MemoryRecords... parts) {
        int n = 0;
        for (MemoryRecords p : parts) {
            n += p.sizeInBytes();
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (MemoryRecords p : parts) {
            b.put(p.buffer().duplicate());
        }
        b.flip();
        return MemoryRecords.readableRecords(b);
    }

    @Test
    void largestTimestampCountsBatchesTheFullTimeIndexCouldNotHold() {
        engine = LogEngine.open(config());
        // 64 bytes: 8 offset index entries but only 5 time index entries; every batch is indexed
        engine.createTopic("i", 1, Map.of(TopicConfig.SEGMENT_INDEX_BYTES, "64", TopicConfig.INDEX_INTERVAL_BYTES, "0",
                TopicConfig.RETENTION_MS, "500"));
        PartitionLog p = engine.partition("i", 0);
        // one append of 7 batches: the time index is full after the 5th; the 6th holds the newest record
        p.append(concat(Batches.of(T0 + 1, "a"), Batches.of(T0 + 2, "b"), Batches.of(T0 + 3, "c"), Batches.of(T0 + 4, "d"),
                Batches.of(T0 + 5, "e"), Batches.of(T0 + 900, "newest"), Batches.of(T0 + 6, "f")));
        p.roll();
        assertThat(p.segments().get(0).largestTimestamp()).isEqualTo(T0 + 900);
        assertThat(p.offsetForTimestamp(T0 + 50).orElseThrow().offset).isEqualTo(5);

        engine.close();
        engine = LogEngine.open(config());
        p = engine.partition("i", 0);
        assertThat(p.segments().get(0).largestTimestamp()).isEqualTo(T0 + 900);
        assertThat(p.offsetForTimestamp(T0 + 50).orElseThrow().offset).isEqualTo(5);
        // now = T0 + 1000, retention.ms = 500: the newest record (T0 + 900) is not old enough for the segment to go
        assertThat(p.applyRetention(clock.millis())).isZero();
        assertThat(p.logStartOffset()).isZero();
    }
}
