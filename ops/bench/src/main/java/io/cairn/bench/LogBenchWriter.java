package io.cairn.bench;

import java.nio.file.Path;
import java.util.Map;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.PartitionLog;
import io.cairn.log.TopicConfig;

/**
 * Child JVM of {@link LogBench}'s kill -9 recovery figure: appends 1 KB records in ~16 KB batches to a fresh partition
 * (flush.ms=1000, default 1 GiB segments) until {@code bytes} are written, prints {@code WRITTEN <bytes> <records>},
 * and keeps appending, one batch a millisecond (so that a kill lands mid-append now and then, but ~1 GB stays in one
 * segment), until it is killed. Usage: {@code LogBenchWriter <dataDir> <bytes>}.
 */
public final class LogBenchWriter {
    static final String TOPIC = "crash";

    private LogBenchWriter() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path dir = Path.of(args[0]);
        long target = Long.parseLong(args[1]);
        BatchPool pool = BatchPool.build(1024, 16 * 1024, 64, 7);
        LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        PartitionLog p = engine.createTopic(TOPIC, 1, Map.of(
                TopicConfig.FLUSH_MESSAGES, String.valueOf(Long.MAX_VALUE),
                TopicConfig.FLUSH_MS, "1000")).partition(0);
        long bytes = 0;
        long records = 0;
        boolean told = false;
        for (int i = 0; ; i++) {
            p.append(pool.records(i));
            bytes += pool.bytes(i);
            records += pool.count(i);
            if (!told && bytes >= target) {
                System.out.println("WRITTEN " + bytes + " " + records);
                System.out.flush();
                told = true;
            }
            if (told) {
                Thread.sleep(1);
            }
        }
    }
}
