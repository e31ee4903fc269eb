package io.cairn.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.PartitionLog;
import io.cairn.log.TopicConfig;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventHeaders;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.LogEventStore;

/**
 * Event store benchmark, in-process: {@code ops/bench/run store [--quick] [--aggregates N] [--seconds S]}. Prints
 * <ol>
 *   <li>conditional append throughput and latency, durable (fsync before each append returns, shared by concurrent
 *       appenders: group commit): one writer on one hot aggregate; 16 writer threads over 10,000 aggregates; one
 *       thread with 256 async appends in flight;</li>
 *   <li>aggregate load time (p50, p99) for streams of 10, 1,000 and 10,000 events, each event appended alone and
 *       interleaved with events of three other aggregates;</li>
 *   <li>the aggregate index of one partition holding N aggregates (default 10 million, one event each): the time to
 *       build it from the log, its files' size, the heap in use after it (the JVM runs with a small heap), lookup
 *       latency, and the time to open it again after a clean close;</li>
 *   <li>a summary against the targets.</li>
 * </ol>
 * Data goes to {@code ops/bench/target/store-data} (deleted at the end). Figures are from a warm page cache.
 */
public final class StoreBench {
    private static final byte[] PAYLOAD = ("{\"amount\":100,\"currency\":\"EUR\",\"note\":\"" + "x".repeat(50) + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    private static final EventData EVENT = new EventData("MoneyDeposited", 1, PAYLOAD, Map.of("correlationId", "c-1"));
    private final Path root;
    private final boolean quick;
    private final long aggregates;
    private final int seconds;
    private final List<String[]> summary = new ArrayList<>();

    private StoreBench(Path root, boolean quick, long aggregates, int seconds) {
        this.root = root;
        this.quick = quick;
        this.aggregates = aggregates;
        this.seconds = seconds;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        long aggregates = 10_000_000;
        int seconds = 10;
        Path root = Path.of("ops/bench/target/store-data");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--aggregates" -> aggregates = Long.parseLong(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--dir" -> root = Path.of(args[++i]);
                case "--help" -> {
                    System.out.println("ops/bench/run store [--quick] [--aggregates N (10000000)] [--seconds S (10)] [--dir D]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        if (quick) {
            aggregates = Math.min(aggregates, 1_000_000);
            seconds = Math.min(seconds, 3);
        }
        new StoreBench(root, quick, aggregates, seconds).run();
    }

    private void run() throws Exception {
        deleteRecursively(root);
        Files.createDirectories(root);
        System.out.printf(Locale.ROOT, "Cairn event store benchmark (in-process). Java %s, %d cores, heap max %d MB.%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        System.out.println("Appends are durable before they return: each is fsynced (flush.messages=1), concurrent appends"
                + " share fsyncs (group commit).");
        gc();
        System.out.printf(Locale.ROOT, "Heap in use after GC at start: %d MB%n", usedHeap() >> 20);
        try {
            appends();
            loads();
            index();
        } finally {
            deleteRecursively(root);
        }
        System.out.println();
        System.out.println("Summary");
        for (String[] s : summary) {
            System.out.printf(Locale.ROOT, "  %-52s %-22s %-14s %s%n", s[0], s[1], s[2], s[3]);
        }
    }

    private void target(String what, String measured, String target, boolean met) {
        summary.add(new String[] {what, measured, target, met ? "MET" : "MISSED"});
    }

    // ------------------------------------------------------------------------------------------------- appends

    private void appends() throws Exception {
        System.out.println();
        System.out.println("1. Conditional appends (one event of " + PAYLOAD.length + " B payload each, durable)");
        try (LogEngine engine = LogEngine.open(LogEngineConfig.builder(root.resolve("appends")).cleanerIntervalMs(0).build())) {
            LogEventStore store = LogEventStore.of(engine);
            store.ensureTopic("hot", 1, false);
            store.ensureTopic("many", 1, false);
            store.ensureTopic("async", 1, false);
            Result one = hotAggregate(store);
            print("1 writer, 1 hot aggregate", one);
            Result sixteen = writers(store, "many", 16, 10_000);
            print("16 writers, 10,000 aggregates", sixteen);
            Result async = asyncPipeline(store, 256, 10_000);
            print("1 thread, 256 async in flight, 10,000 aggregates", async);
            System.out.printf(Locale.ROOT, "   fsync sharing: 16 writers get %.1fx the single writer's throughput%n",
                    sixteen.perSecond / one.perSecond);
        }
    }

    private record Result(double perSecond, Histogram latency) {
    }

    private static void print(String what, Result r) {
        System.out.printf(Locale.ROOT, "   %-50s %,10.0f appends/s   latency p50 %.2f ms, p99 %.2f ms%n", what, r.perSecond,
                r.latency.getValueAtPercentile(50) / 1e6, r.latency.getValueAtPercentile(99) / 1e6);
    }

    private Result hotAggregate(EventStore store) {
        Histogram h = new Histogram(3);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long seq = EventStore.NEW_AGGREGATE;
        long n = 0;
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            seq = store.append("hot", "hot-1", seq, List.of(EVENT)).lastSequence();
            h.recordValue(System.nanoTime() - t0);
            n++;
        }
        return new Result(n / ((System.nanoTime() - start) / 1e9), h);
    }

    private Result writers(EventStore store, String topic, int threads, int aggregateCount) throws Exception {
        ConcurrentLinkedQueue<Histogram> hs = new ConcurrentLinkedQueue<>();
        AtomicLong total = new AtomicLong();
        CountDownLatch done = new CountDownLatch(threads);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int w = t;
            Thread th = new Thread(() -> {
                Histogram h = new Histogram(3);
                int mine = aggregateCount / threads;
                long[] seqs = new long[mine];
                java.util.Arrays.fill(seqs, EventStore.NEW_AGGREGATE);
                Random rnd = new Random(w);
                long n = 0;
                while (System.nanoTime() < end) {
                    int a = rnd.nextInt(mine);
                    long t0 = System.nanoTime();
                    seqs[a] = store.append(topic, "agg-" + (a * threads + w), seqs[a], List.of(EVENT)).lastSequence();
                    h.recordValue(System.nanoTime() - t0);
                    n++;
                }
                total.addAndGet(n);
                hs.add(h);
                done.countDown();
            });
            th.start();
        }
        done.await();
        Histogram all = new Histogram(3);
        hs.forEach(all::add);
        return new Result(total.get() / ((System.nanoTime() - start) / 1e9), all);
    }

    private Result asyncPipeline(EventStore store, int inFlight, int aggregateCount) throws Exception {
        Histogram h = new Histogram(3);
        Semaphore window = new Semaphore(inFlight);
        long[] seqs = new long[aggregateCount];
        java.util.Arrays.fill(seqs, EventStore.NEW_AGGREGATE);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        long n = 0;
        CompletableFuture<?> last = CompletableFuture.completedFuture(null);
        while (System.nanoTime() < end) {
            window.acquire();
            int a = (int) (n % aggregateCount);
            long t0 = System.nanoTime();
            last = store.appendAsync("async", "agg-" + a, seqs[a], List.of(EVENT)).whenComplete((r, e) -> {
                synchronized (h) {
                    h.recordValue(System.nanoTime() - t0);
                }
                window.release();
            });
            seqs[a]++;
            n++;
        }
        last.join();
        window.acquire(inFlight);
        return new Result(n / ((System.nanoTime() - start) / 1e9), h);
    }

    // --------------------------------------------------------------------------------------------------- loads

    private void loads() throws Exception {
        System.out.println();
        System.out.println("2. Aggregate load (read(topic, id, 0)), events appended one per append: alone in the partition,"
                + " and interleaved 1:3 with events of other aggregates");
        try (LogEngine engine = LogEngine.open(LogEngineConfig.builder(root.resolve("loads")).cleanerIntervalMs(0).build())) {
            LogEventStore store = LogEventStore.of(engine);
            int[] sizes = {10, 1_000, 10_000};
            double[] targetsMs = {0.1, 1, 10};
            for (int noise : new int[] {0, 3}) {
                String topic = "loads-" + noise;
                engine.createTopic(topic, 1, Map.of(TopicConfig.FLUSH_MESSAGES, "1000000")); // setup speed only
                for (int s = 0; s < sizes.length; s++) {
                    load(store, topic, sizes[s], noise, targetsMs[s]);
                }
            }
        }
    }

    private void load(EventStore store, String topic, int size, int noise, double targetMs) {
        String id = "stream-" + size;
        for (int e = 0; e < size; e++) {
            store.append(topic, id, e - 1, List.of(EVENT));
            for (int k = 0; k < noise; k++) {
                store.append(topic, "noise-" + size + "-" + k, e - 1, List.of(EVENT));
            }
        }
        int repeats = size >= 10_000 ? (quick ? 20 : 100) : (quick ? 200 : 1000);
        for (int i = 0; i < Math.min(repeats, 50); i++) {
            store.read(topic, id, 0); // warm-up
        }
        Histogram h = new Histogram(3);
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            int got = store.read(topic, id, 0).size();
            h.recordValue(System.nanoTime() - t0);
            if (got != size) {
                throw new IllegalStateException("loaded " + got + " events of " + id + ", expected " + size);
            }
        }
        double p50 = h.getValueAtPercentile(50) / 1e6;
        String layout = noise == 0 ? "alone" : "interleaved 1:" + noise;
        System.out.printf(Locale.ROOT, "   %,6d events, %-16s p50 %.3f ms, p99 %.3f ms (%d loads)%n", size, layout + ":", p50,
                h.getValueAtPercentile(99) / 1e6, repeats);
        target(String.format(Locale.ROOT, "load p50, %,d events, %s", size, layout), String.format(Locale.ROOT, "%.3f ms", p50),
                "< " + targetMs + " ms", p50 < targetMs);
    }

    // --------------------------------------------------------------------------------------------------- index

    private void index() throws Exception {
        System.out.println();
        System.out.printf(Locale.ROOT, "3. Aggregate index of one partition with %,d aggregates (one event each)%n", aggregates);
        Path dir = root.resolve("index");
        try (LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build())) {
            engine.createTopic("big", 1, Map.of(TopicConfig.FLUSH_MESSAGES, "100000000", TopicConfig.SEGMENT_BYTES,
                    Integer.toString(1 << 30)));
            PartitionLog p = engine.partition("big", 0);
            long t0 = System.nanoTime();
            int perBatch = 500;
            for (long a = 0; a < aggregates; a += perBatch) {
                int n = (int) Math.min(perBatch, aggregates - a);
                SimpleRecord[] rs = new SimpleRecord[n];
                for (int i = 0; i < n; i++) {
                    rs[i] = new SimpleRecord(0L, id(a + i), PAYLOAD, headers());
                }
                p.append(MemoryRecords.withRecords(Compression.NONE, rs));
            }
            p.flush();
            System.out.printf(Locale.ROOT, "   log written by plain appends (batches of %d): %,d MB in %.1f s%n", perBatch,
                    p.sizeInBytes() / 1_000_000, (System.nanoTime() - t0) / 1e9);

            LogEventStore store = LogEventStore.of(engine);
            gc();
            long heapBefore = usedHeap();
            long b0 = System.nanoTime();
            long last = store.lastSequence("big", new String(id(aggregates - 1), StandardCharsets.UTF_8));
            double buildS = (System.nanoTime() - b0) / 1e9;
            if (last != 0) {
                throw new IllegalStateException("last aggregate has last sequence " + last);
            }
            gc();
            long heapAfter = usedHeap();
            long mapped = Files.size(p.directory().resolve("aggregates.idx")) + Files.size(p.directory().resolve("aggregates.dat"));
            System.out.printf(Locale.ROOT, "   build from the log: %.1f s (%,.0f aggregates/s)%n", buildS, aggregates / buildS);
            System.out.printf(Locale.ROOT, "   index files (memory-mapped): %,d MB; heap in use after GC: %d MB after the build, %d MB"
                            + " before it (max heap %d MB; the engine's compaction key map, cleanerMaxKeys, is most of it):"
                            + " the index added %+d MB%n", mapped / 1_000_000, heapAfter >> 20, heapBefore >> 20,
                    Runtime.getRuntime().maxMemory() >> 20, (heapAfter - heapBefore) >> 20);
            Random rnd = new Random(1);
            Histogram h = new Histogram(3);
            for (int i = 0; i < 100_000; i++) {
                String id = new String(id((long) (rnd.nextDouble() * aggregates)), StandardCharsets.UTF_8);
                long l0 = System.nanoTime();
                long seq = store.lastSequence("big", id);
                h.recordValue(System.nanoTime() - l0);
                if (seq != 0) {
                    throw new IllegalStateException(id + " has last sequence " + seq);
                }
            }
            System.out.printf(Locale.ROOT, "   lastSequence of a random aggregate: p50 %.1f µs, p99 %.1f µs%n",
                    h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3);
            target(String.format(Locale.ROOT, "index of %,d aggregates: heap it adds", aggregates),
                    ((heapAfter - heapBefore) >> 20) + " MB (of 128 MB max)", "small heap", heapAfter - heapBefore < 16L << 20);
            summary.add(new String[] {"index build from the log", String.format(Locale.ROOT, "%.1f s", buildS), "", "(figure)"});
            summary.add(new String[] {"index files", String.format(Locale.ROOT, "%,d MB", mapped / 1_000_000), "", "(figure)"});
        }
        try (LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build())) {
            long r0 = System.nanoTime();
            long seq = LogEventStore.of(engine).lastSequence("big", new String(id(7), StandardCharsets.UTF_8));
            System.out.printf(Locale.ROOT, "   reopen after a clean close, first lookup: %.1f ms (sequence %d)%n",
                    (System.nanoTime() - r0) / 1e6, seq);
        }
    }

    private static byte[] id(long n) {
        return String.format(Locale.ROOT, "acc-%012d-%08x", n, (int) (n * 0x9E3779B9L)).getBytes(StandardCharsets.UTF_8);
    }

    private static Header[] headers() {
        return new Header[] {
                new RecordHeader(EventHeaders.AGGREGATE_TYPE, "big".getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(EventHeaders.SEQUENCE, "0".getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(EventHeaders.EVENT_TYPE, "AccountOpened".getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(EventHeaders.REVISION, "1".getBytes(StandardCharsets.UTF_8))};
    }

    private static void gc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
