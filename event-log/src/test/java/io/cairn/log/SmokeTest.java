package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
    @TempDir
    Path dir;

    @Test
    void appendsReadsAndReopens() {
        ManualClock clock = new ManualClock(1_000_000);
        LogEngineConfig cfg = LogEngineConfig.builder(dir).clock(clock).build();
        try (LogEngine engine = LogEngine.open(cfg)) {
            engine.createTopic("t", 2, Map.of(TopicConfig.SEGMENT_BYTES, "1024", TopicConfig.INDEX_INTERVAL_BYTES, "100"));
            PartitionLog p = engine.partition("t", 0);
            for (int i = 0; i < 100; i++) {
                PartitionLog.AppendResult r = p.append(Batches.of(clock.millis() + i, "a" + i, "b" + i));
                assertThat(r.baseOffset()).isEqualTo(2L * i);
                assertThat(r.durable()).isTrue();
            }
            assertThat(p.segments().size()).isGreaterThan(3);
            List<Batches.Read> all = Batches.readAll(p, 0, 300);
            assertThat(all).hasSize(200);
            assertThat(all.get(51).value()).isEqualTo("b25");
            assertThat(Batches.records(p.read(51, 1).records()).get(0).offset()).isEqualTo(50);
            assertThat(p.offsetForTimestamp(clock.millis() + 40).orElseThrow().offset).isEqualTo(80);
        }
        try (LogEngine engine = LogEngine.open(cfg)) {
            PartitionLog p = engine.partition("t", 0);
            assertThat(p.logEndOffset()).isEqualTo(200);
            assertThat(Batches.readAll(p, 0, 300)).hasSize(200);
            assertThat(p.offsetForTimestamp(clock.millis() + 40).orElseThrow().offset).isEqualTo(80);
            assertThat(p.append(Batches.of(clock.millis(), "x")).baseOffset()).isEqualTo(200);
        }
    }
}
