package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A partition counts the records and batch bytes appended to it since it was opened (what rate charts need). */
class AppendCountersTest {
    @TempDir
    Path dir;

    @Test
    void countAppendsSinceOpenOnly() {
        LogEngineConfig cfg = LogEngineConfig.builder(dir).build();
        try (LogEngine engine = LogEngine.open(cfg)) {
            PartitionLog p = engine.createTopic("t", 1, Map.of()).partition(0);
            assertThat(p.appendedRecords()).isZero();
            assertThat(p.appendedBytes()).isZero();
            MemoryRecords first = Batches.of(1_000, "a", "b", "c");
            MemoryRecords second = Batches.of(1_000, "d");
            int bytes = first.sizeInBytes() + second.sizeInBytes();
            p.append(first);
            p.append(second);
            assertThat(p.appendedRecords()).isEqualTo(4);
            assertThat(p.appendedBytes()).isEqualTo(bytes);
        }
        try (LogEngine engine = LogEngine.open(cfg)) {
            PartitionLog p = engine.partition("t", 0);
            assertThat(p.logEndOffset()).isEqualTo(4);
            assertThat(p.appendedRecords()).as("a counter of this run, not of the log").isZero();
            p.append(Batches.of(1_000, "e"));
            assertThat(p.appendedRecords()).isEqualTo(1);
        }
    }
}
