package io.cairn.log;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * Child process of {@link CrashTest}: opens a {@link LogEngine} on a directory, then appends batches from several threads
 * until it is killed. Every acknowledged append is reported on stdout as one line, written with one {@code write}
 * call after {@link PartitionLog#append} returned:
 *
 * <pre>
 *   OPENED &lt;logStartOffset&gt; &lt;logEndOffset&gt;
 *   ACK &lt;gen&gt; &lt;thread&gt; &lt;firstSeq&gt; &lt;count&gt; &lt;baseOffset&gt; &lt;lastOffset&gt; &lt;durable&gt;
 * </pre>
 *
 * Record values are a pure function of (generation, thread, sequence), see {@link #value}, so the test can check every
 * byte of every record without being told the values. Usage: {@code CrashAppender <dataDir> <gen> <threads> <seed>}.
 */
public final class CrashAppender {
    static final String TOPIC = "crash";
    /** Records in one batch: 1 to this many. */
    static final int MAX_BATCH_RECORDS = 8;
    /** Batches in one append: 1 or 2. */
    static final int MAX_BATCHES_PER_APPEND = 2;
    static final Map<String, String> TOPIC_CONFIG = Map.of(
            TopicConfig.SEGMENT_BYTES, String.valueOf(64 * 1024),
            TopicConfig.FLUSH_MESSAGES, "1",
            TopicConfig.INDEX_INTERVAL_BYTES, "512",
            TopicConfig.SEGMENT_INDEX_BYTES, "4096");

    private static final FileOutputStream OUT = new FileOutputStream(FileDescriptor.out);

    private CrashAppender() {
    }

    /** The value of record {@code seq} of appender {@code thread} in child generation {@code gen}: 12 to ~120 bytes. */
    static String value(int gen, int thread, long seq) {
        String head = "g" + gen + ".t" + thread + ".s" + seq + ".";
        long h = (gen * 1_000_003L + thread) * 0x9E3779B97F4A7C15L + seq * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 29;
        int fill = (int) Math.floorMod(h, 100L);
        StringBuilder sb = new StringBuilder(head.length() + fill).append(head);
        for (int i = 0; i < fill; i++) {
            sb.append((char) ('a' + (int) Math.floorMod(h + i * 7L, 26L)));
        }
        return sb.toString();
    }

    /** Parses {@code g<gen>.t<thread>.s<seq>.} back; null if the value does not have that shape. */
    static long[] parse(String v) {
        try {
            String[] parts = v.split("\\.", 4);
            if (parts.length < 4 || !parts[0].startsWith("g") || !parts[1].startsWith("t") || !parts[2].startsWith("s")) {
                return null;
            }
            return new long[]{Long.parseLong(parts[0].substring(1)), Long.parseLong(parts[1].substring(1)),
                    Long.parseLong(parts[2].substring(1))};
        } catch (RuntimeException e) {
            return null;
        }
    }

    static MemoryRecords batch(int gen, int thread, long firstSeq, int count, long timestamp) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(timestamp, null, value(gen, thread, firstSeq + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    static synchronized void emit(String line) {
        byte[] b = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        try {
            OUT.write(b); // one write(2) per line: a kill leaves at most the last line incomplete
        } catch (IOException e) {
            Runtime.getRuntime().halt(4);
        }
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int gen = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        LogEngineConfig cfg = LogEngineConfig.builder(dir)
                .checkpointIntervalMs(50) // recovery points move often, so recovery skips checked segments
                .flushCheckIntervalMs(10)
                .cleanerIntervalMs(0)
                .recoveryThreads(1)
                .build();
        LogEngine engine = LogEngine.open(cfg);
        PartitionLog p = engine.topic(TOPIC).orElseGet(() -> engine.createTopic(TOPIC, 1, TOPIC_CONFIG)).partition(0);
        emit("OPENED " + p.logStartOffset() + " " + p.logEndOffset());
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Random rnd = new Random(seed * 31 + t);
            Thread th = new Thread(() -> appendForever(p, gen, thread, rnd), "appender-" + t);
            th.start();
        }
    }

    private static void appendForever(PartitionLog p, int gen, int thread, Random rnd) {
        long seq = 0;
        try {
            while (true) {
                int batches = 1 + rnd.nextInt(MAX_BATCHES_PER_APPEND);
                int count = 0;
                MemoryRecords records;
                long now = System.currentTimeMillis();
                if (batches == 1) {
                    count = 1 + rnd.nextInt(MAX_BATCH_RECORDS);
                    records = batch(gen, thread, seq, count, now);
                } else {
                    int a = 1 + rnd.nextInt(MAX_BATCH_RECORDS);
                    int b = 1 + rnd.nextInt(MAX_BATCH_RECORDS);
                    MemoryRecords first = batch(gen, thread, seq, a, now);
                    MemoryRecords second = batch(gen, thread, seq + a, b, now);
                    ByteBuffer both = ByteBuffer.allocate(first.sizeInBytes() + second.sizeInBytes());
                    both.put(first.buffer().duplicate()).put(second.buffer().duplicate()).flip();
                    records = MemoryRecords.readableRecords(both);
                    count = a + b;
                }
                PartitionLog.AppendResult r = p.append(records);
                emit("ACK " + gen + " " + thread + " " + seq + " " + count + " " + r.baseOffset() + " " + r.lastOffset()
                        + " " + r.durable());
                seq += count;
            }
        } catch (Throwable e) {
            System.err.println("appender " + thread + " failed: " + e);
            e.printStackTrace();
            emit("FAILED " + thread + " " + e);
            Runtime.getRuntime().halt(3);
        }
    }
}
