package io.cairn.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.HdrHistogram.Histogram;
import org.apache.kafka.common.record.RecordBatch;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.PartitionLog;
import io.cairn.log.TopicConfig;

/**
 * Storage benchmark of the log engine, in-process, one partition, one appending thread. Run with
 * {@code ops/bench/run log [--quick] [options]}; {@code --help} lists the options. Prints:
 * <ol>
 *   <li>append throughput for 100 B and 1 KB records in ~16 KB batches, without fsync and with fsync every 100 ms,
 *       beside the physical limit: the same buffers written with plain {@link FileChannel#write} to a file on the same
 *       disk (with {@code force} every 100 ms from another thread for the fsync case);</li>
 *   <li>sequential read throughput of a whole partition with {@code read(offset, 1 MB)}, CRC verification on and off;</li>
 *   <li>point-read latency by offset ({@code read(o, 16 KB)}, random offsets, HdrHistogram);</li>
 *   <li>recovery time of that partition after a clean shutdown, after a simulated unclean one (checkpoint rewritten),
 *       and after a real kill -9 of a child JVM that wrote ~1 GB;</li>
 *   <li>a summary of the targets, PASS or MISS.</li>
 * </ol>
 * Data goes to {@code ops/bench/target/bench-data} (deleted at the end unless {@code --keep}). Every figure runs on a
 * warm page cache: this container cannot drop caches, so reads and recoveries do not include disk reads.
 */
public final class LogBench {
    static final int BATCH_BYTES = 16 * 1024;
    static final long MB = 1_000_000L;
    static final long MiB = 1L << 20;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private final Options o;
    private final Path root;
    private final List<String[]> summary = new ArrayList<>();

    private LogBench(Options o) {
        this.o = o;
        this.root = o.dataDir;
    }

    static final class Options {
        boolean quick;
        long caseBytes = 1024 * MiB;
        double caseSeconds = 12;
        int repeats = 2;
        int rounds = 4;
        long readBytes = 1024 * MiB;
        double pointSeconds = 5;
        long killBytes = 1000 * MB;
        boolean keep;
        Path dataDir = Path.of("ops/bench/target/bench-data");
        String only = "all";

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--quick" -> {
                        o.quick = true;
                        o.caseBytes = 256 * MiB;
                        o.caseSeconds = 5;
                        o.repeats = 1;
                        o.rounds = 2;
                        o.readBytes = 256 * MiB;
                        o.pointSeconds = 2;
                        o.killBytes = 256 * MB;
                    }
                    case "--case-mb" -> o.caseBytes = Long.parseLong(args[++i]) * MiB;
                    case "--case-seconds" -> o.caseSeconds = Double.parseDouble(args[++i]);
                    case "--repeats" -> o.repeats = Integer.parseInt(args[++i]);
                    case "--rounds" -> o.rounds = Integer.parseInt(args[++i]);
                    case "--read-mb" -> o.readBytes = Long.parseLong(args[++i]) * MiB;
                    case "--point-seconds" -> o.pointSeconds = Double.parseDouble(args[++i]);
                    case "--kill-mb" -> o.killBytes = Long.parseLong(args[++i]) * MB;
                    case "--data-dir" -> o.dataDir = Path.of(args[++i]);
                    case "--only" -> o.only = args[++i];
                    case "--keep" -> o.keep = true;
                    case "--help", "-h" -> {
                        System.out.println("""
                                ops/bench/run log [options]
                                  --quick             small sizes (256 MiB per side and case, 2 rounds, 256 MB partitions): about a minute
                                  --case-mb N         bytes each side (Cairn, limit) writes per append case (default 1024 MiB) ...
                                  --case-seconds S    ... or this much time, whichever comes first (default 12)
                                  --rounds N          alternating rounds the case is split in (default 4)
                                  --repeats N         runs of each sequential read; the best counts (default 2)
                                  --read-mb N         size of the partition read back and recovered (default 1024 MiB)
                                  --point-seconds S   duration of the point-read run (default 5)
                                  --kill-mb N         what the kill -9 child writes before it is killed (default 1000 MB)
                                  --only WHAT         append | read | recovery | all (default all)
                                  --data-dir DIR      where data goes (default ops/bench/target/bench-data)
                                  --keep              do not delete the data at the end""");
                        System.exit(0);
                    }
                    default -> {
                        System.err.println("unknown option " + a + " (try --help)");
                        System.exit(2);
                    }
                }
            }
            return o;
        }
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        Options o = Options.parse(args);
        new LogBench(o).run();
    }

    private void run() throws Exception {
        deleteRecursively(root);
        Files.createDirectories(root);
        FileStore store = Files.getFileStore(root);
        System.out.printf("Cairn log storage benchmark%n");
        System.out.printf("  JVM %s (%s), %d cores, heap %d MiB%n", System.getProperty("java.vm.version"),
                System.getProperty("java.vm.name"), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() / MiB);
        System.out.printf("  data %s on %s (%s), %d GB free%n", root.toAbsolutePath(), store.name(), store.type(),
                store.getUsableSpace() / 1_000_000_000L);
        System.out.printf("  append cases: %d MiB or %.0f s per side; MB = 10^6 bytes of record batches as stored%n",
                o.caseBytes / MiB, o.caseSeconds);
        System.out.printf("  warm page cache throughout (caches cannot be dropped here)%n%n");
        try {
            if (o.only.equals("all") || o.only.equals("append")) {
                appends();
            }
            if (o.only.equals("all") || o.only.equals("read") || o.only.equals("recovery")) {
                readsAndRecovery();
            }
            printSummary();
        } finally {
            if (!o.keep) {
                deleteRecursively(root);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------ appends

    record Throughput(long records, long bytes, long nanos) {
        double recordsPerSec() {
            return records * 1e9 / nanos;
        }

        double mbPerSec() {
            return bytes * 1e9 / nanos / MB;
        }

        static Throughput best(Throughput a, Throughput b) {
            return a == null || b.mbPerSec() > a.mbPerSec() ? b : a;
        }
    }

    /** One side of an append case: writes the pool's batches somewhere until told to stop. */
    private interface Writer extends AutoCloseable {
        /** Writes batch {@code i}; returns its size. */
        int write(int i) throws IOException;

        @Override
        void close() throws Exception;
    }

    /** Cairn: a fresh engine and topic; appends go through PartitionLog.append (validation, CRC, offsets, index). */
    private Writer cairnWriter(BatchPool pool, boolean fsync) throws IOException {
        Path dir = root.resolve("append");
        deleteRecursively(dir);
        LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        PartitionLog p = engine.createTopic("bench", 1, Map.of(
                TopicConfig.FLUSH_MESSAGES, String.valueOf(Long.MAX_VALUE),
                TopicConfig.FLUSH_MS, fsync ? "100" : String.valueOf(Long.MAX_VALUE))).partition(0);
        return new Writer() {
            @Override
            public int write(int i) {
                p.append(pool.records(i));
                return pool.bytes(i);
            }

            @Override
            public void close() throws Exception {
                engine.deleteTopic("bench"); // not close() first: that would fsync what the no-fsync case left
                engine.close();
                deleteRecursively(dir);
            }
        };
    }

    /** The physical limit: the same buffers, FileChannel.write to one file; force every 100 ms from another thread. */
    private Writer limitWriter(BatchPool pool, boolean fsync) throws IOException {
        Path file = root.resolve("limit.dat");
        Files.deleteIfExists(file);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor();
        AtomicReference<IOException> failed = new AtomicReference<>();
        if (fsync) {
            flusher.scheduleWithFixedDelay(() -> {
                try {
                    ch.force(true);
                } catch (IOException e) {
                    failed.set(e);
                }
            }, 100, 100, TimeUnit.MILLISECONDS);
        }
        return new Writer() {
            @Override
            public int write(int i) throws IOException {
                return writeFully(ch, pool, i);
            }

            @Override
            public void close() throws Exception {
                flusher.shutdown(); // not shutdownNow(): an interrupt during force() closes the channel
                flusher.awaitTermination(30, TimeUnit.SECONDS);
                ch.close();
                Files.deleteIfExists(file);
                if (failed.get() != null) {
                    throw failed.get();
                }
            }
        };
    }

    /**
     * Both sides of a case stay open for the whole case and write in alternating rounds (limit first in even rounds,
     * Cairn first in odd ones), so that the machine's noise, page-cache writeback and the other tenants' load hit
     * both alike. Each side first writes 64 MiB untimed (JIT, file growth), then {@code rounds} timed rounds.
     */
    private void appends() throws Exception {
        List<String> cpuRatios = new ArrayList<>();
        System.out.println("1. Append throughput: one partition, one thread, ~16 KB batches prebuilt (uncompressed, no keys)");
        System.out.printf("   Cairn and its limit write in %d alternating rounds of %d MiB (or %.1f s) each; a round's figures,%n",
                o.rounds, o.caseBytes / o.rounds / MiB, o.caseSeconds / o.rounds);
        System.out.printf("   then the case's totals (all rounds; 'spread' = lowest..highest per-round ratio)%n");
        System.out.printf("   %-22s %-6s %12s %10s %12s %10s %9s%n", "case", "round", "Cairn rec/s", "Cairn MB/s",
                "limit rec/s", "limit MB/s", "Cairn/lim");
        for (boolean fsync : new boolean[]{false, true}) {
            for (int valueBytes : new int[]{100, 1024}) {
                BatchPool pool = BatchPool.build(valueBytes, BATCH_BYTES, 64, valueBytes);
                String name = (valueBytes == 100 ? "100 B" : "1 KB") + (fsync ? ", fsync 100 ms" : ", no fsync");
                long[] cairn = new long[5]; // records, bytes, nanos, CPU nanos of the writing thread, batches
                long[] limit = new long[5];
                double minRatio = Double.MAX_VALUE;
                double maxRatio = 0;
                try (Writer c = cairnWriter(pool, fsync); Writer l = limitWriter(pool, fsync)) {
                    long warm = Math.min(64 * MiB, o.caseBytes / 8);
                    int[] ci = {timed(c, pool, 0, warm, Double.MAX_VALUE, null)};
                    int[] li = {timed(l, pool, 0, warm, Double.MAX_VALUE, null)};
                    for (int r = 0; r < o.rounds; r++) {
                        long[] cr = new long[5];
                        long[] lr = new long[5];
                        long bytes = o.caseBytes / o.rounds;
                        double secs = o.caseSeconds / o.rounds;
                        if (r % 2 == 0) {
                            li[0] = timed(l, pool, li[0], bytes, secs, lr);
                            ci[0] = timed(c, pool, ci[0], bytes, secs, cr);
                        } else {
                            ci[0] = timed(c, pool, ci[0], bytes, secs, cr);
                            li[0] = timed(l, pool, li[0], bytes, secs, lr);
                        }
                        Throughput ct = new Throughput(cr[0], cr[1], cr[2]);
                        Throughput lt = new Throughput(lr[0], lr[1], lr[2]);
                        double ratio = ct.mbPerSec() / lt.mbPerSec();
                        minRatio = Math.min(minRatio, ratio);
                        maxRatio = Math.max(maxRatio, ratio);
                        System.out.printf("   %-22s %-6s %12s %10.0f %12s %10.0f %8.0f%%%n", name, "#" + (r + 1),
                                count(ct.recordsPerSec()), ct.mbPerSec(), count(lt.recordsPerSec()), lt.mbPerSec(), 100 * ratio);
                        for (int k = 0; k < cairn.length; k++) {
                            cairn[k] += cr[k];
                            limit[k] += lr[k];
                        }
                    }
                }
                Throughput ct = new Throughput(cairn[0], cairn[1], cairn[2]);
                Throughput lt = new Throughput(limit[0], limit[1], limit[2]);
                double ratio = ct.mbPerSec() / lt.mbPerSec();
                System.out.printf("   %-22s %-6s %12s %10.0f %12s %10.0f %8.0f%%  spread %.0f..%.0f%%; %,d MB each%n",
                        name, "total", count(ct.recordsPerSec()), ct.mbPerSec(), count(lt.recordsPerSec()), lt.mbPerSec(),
                        100 * ratio, 100 * minRatio, 100 * maxRatio, ct.bytes() / MB);
                double cairnCpu = cairn[3] / 1e3 / cairn[4];
                double limitCpu = limit[3] / 1e3 / limit[4];
                System.out.printf("   %-22s %-6s CPU of the writing thread per batch: Cairn %.1f us, limit %.1f us (%.0f rec/batch, %.0f B/batch)%n",
                        "", "", cairnCpu, limitCpu, pool.averageRecords(), pool.averageBatchBytes());
                cpuRatios.add(String.format("%s %.0f%%", valueBytes == 100 ? "100 B" : "1 KB", 100 * limitCpu / cairnCpu));
                if (valueBytes == 1024) {
                    target("append 1 KB, " + (fsync ? "fsync 100 ms" : "no fsync") + ": >= 60% of limit",
                            String.format("%.0f%% (%.0f of %.0f MB/s)", 100 * ratio, ct.mbPerSec(), lt.mbPerSec()),
                            ratio >= 0.6);
                } else {
                    boolean limitBelow = lt.recordsPerSec() < 2_000_000;
                    target("append 100 B, " + (fsync ? "fsync 100 ms" : "no fsync") + ": >= 2,000,000 rec/s",
                            count(ct.recordsPerSec()) + " rec/s" + (limitBelow
                                    ? " (the disk's own limit: " + count(lt.recordsPerSec()) + ")" : "")
                                    + String.format(", %.0f%% of limit", 100 * ratio),
                            ct.recordsPerSec() >= 2_000_000);
                }
                System.out.println();
            }
            summaryInfo("append, " + (fsync ? "fsync 100 ms" : "no fsync") + ": limit/Cairn CPU per batch",
                    String.join(", ", cpuRatios.subList(cpuRatios.size() - 2, cpuRatios.size())) + " (100% = no overhead)");
        }
    }

    /**
     * Writes batches from index {@code i} until {@code maxBytes} or {@code maxSeconds}; adds {records, bytes, nanos}
     * to {@code totals} (if given). Returns the next batch index.
     */
    private static int timed(Writer w, BatchPool pool, int i, long maxBytes, double maxSeconds, long[] totals) throws IOException {
        long maxNanos = (long) Math.min(maxSeconds * 1e9, Long.MAX_VALUE / 2.0);
        long bytes = 0;
        long records = 0;
        int first = i;
        long cpu = CPU.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        while (bytes < maxBytes && ((i & 15) != 0 || System.nanoTime() - start < maxNanos)) {
            bytes += w.write(i);
            records += pool.count(i);
            i++;
        }
        long nanos = System.nanoTime() - start;
        cpu = CPU.getCurrentThreadCpuTime() - cpu;
        if (totals != null) {
            totals[0] += records;
            totals[1] += bytes;
            totals[2] += nanos;
            totals[3] += cpu;
            totals[4] += i - first;
        }
        return i;
    }

    private static int writeFully(FileChannel ch, BatchPool pool, int i) throws IOException {
        var buf = pool.buffer(i);
        int n = buf.remaining();
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------- reads, recovery

    private void readsAndRecovery() throws Exception {
        Path dir = root.resolve("read");
        BatchPool pool = BatchPool.build(1024, BATCH_BYTES, 64, 11);
        LogEngineConfig verified = LogEngineConfig.builder(dir).cleanerIntervalMs(0).build();
        LogEngineConfig unverified = LogEngineConfig.builder(dir).cleanerIntervalMs(0).verifyReads(false).build();
        long records = 0;
        long bytes = 0;
        long t0 = System.nanoTime();
        try (LogEngine engine = LogEngine.open(verified)) {
            PartitionLog p = engine.createTopic("bench", 1, Map.of(TopicConfig.FLUSH_MESSAGES, String.valueOf(Long.MAX_VALUE))).partition(0);
            for (int i = 0; bytes < o.readBytes; i++) {
                p.append(pool.records(i));
                bytes += pool.bytes(i);
                records += pool.count(i);
            }
        } // clean close: fsyncs everything
        System.out.printf("2. Reads of one partition: %,d records of 1 KB, %,d MB in %d segment(s), written and closed in %.1f s%n",
                records, bytes / MB, segments(dir), (System.nanoTime() - t0) / 1e9);
        if (o.only.equals("all") || o.only.equals("read")) {
            System.out.printf("   %-44s %14s %10s %8s%n", "sequential read(offset, 1 MB), whole partition", "rec/s", "MB/s", "time");
            for (boolean verify : new boolean[]{true, false}) {
                try (LogEngine engine = LogEngine.open(verify ? verified : unverified)) {
                    PartitionLog p = engine.partition("bench", 0);
                    Throughput best = null;
                    for (int r = 0; r < Math.max(1, o.repeats); r++) {
                        best = Throughput.best(best, sequentialRead(p));
                    }
                    System.out.printf("   %-44s %14s %10.0f %7.2fs%n", verify ? "  CRC verified on read (default)" : "  no CRC check on read (verifyReads=false)",
                            count(best.recordsPerSec()), best.mbPerSec(), best.nanos() / 1e9);
                    if (verify) {
                        summaryInfo("sequential read, CRC verified", String.format("%s rec/s, %.0f MB/s", count(best.recordsPerSec()), best.mbPerSec()));
                    }
                }
            }
            System.out.println();
            System.out.printf("3. Point reads by offset: read(o, 16 KB) at uniformly random offsets, returns the batch holding o%n");
            System.out.printf("   %-44s %9s %9s %9s %9s %9s %11s%n", "", "p50", "p99", "p99.9", "max", "mean", "reads/s");
            for (boolean verify : new boolean[]{true, false}) {
                try (LogEngine engine = LogEngine.open(verify ? verified : unverified)) {
                    Histogram h = pointReads(engine.partition("bench", 0));
                    System.out.printf("   %-44s %9s %9s %9s %9s %9s %11s%n",
                            verify ? "  CRC verified on read (default)" : "  no CRC check on read (verifyReads=false)",
                            us(h.getValueAtPercentile(50)), us(h.getValueAtPercentile(99)), us(h.getValueAtPercentile(99.9)),
                            us(h.getMaxValue()), us((long) h.getMean()), count(h.getTotalCount() / o.pointSeconds));
                    if (verify) {
                        summaryInfo("point read p50 / p99 / p99.9", us(h.getValueAtPercentile(50)) + " / "
                                + us(h.getValueAtPercentile(99)) + " / " + us(h.getValueAtPercentile(99.9)));
                    }
                }
            }
            System.out.println();
        }
        if (o.only.equals("all") || o.only.equals("recovery")) {
            recovery(dir, verified, bytes);
        }
        deleteRecursively(dir);
    }

    private Throughput sequentialRead(PartitionLog p) {
        long next = p.logStartOffset();
        long end = p.highWatermark();
        long records = 0;
        long bytes = 0;
        long start = System.nanoTime();
        while (next < end) {
            PartitionLog.ReadResult r = p.read(next, 1 << 20);
            for (RecordBatch b : r.records().batches()) {
                long last = b.lastOffset(); // loads the batch header
                records += last - b.baseOffset() + 1;
                bytes += b.sizeInBytes();
                next = last + 1;
            }
        }
        long nanos = System.nanoTime() - start;
        if (next != end) {
            throw new IllegalStateException("read up to " + next + ", expected " + end);
        }
        return new Throughput(records, bytes, nanos);
    }

    private Histogram pointReads(PartitionLog p) {
        long startOffset = p.logStartOffset();
        long span = p.highWatermark() - startOffset;
        Random rnd = new Random(5);
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long warmUntil = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warmUntil) {
            pointRead(p, startOffset + (long) (rnd.nextDouble() * span));
        }
        long endAt = System.nanoTime() + (long) (o.pointSeconds * 1e9);
        long now = System.nanoTime();
        while (now < endAt) {
            long offset = startOffset + (long) (rnd.nextDouble() * span);
            pointRead(p, offset);
            long after = System.nanoTime();
            h.recordValue(after - now);
            now = after;
        }
        return h;
    }

    private static void pointRead(PartitionLog p, long offset) {
        PartitionLog.ReadResult r = p.read(offset, BATCH_BYTES);
        RecordBatch b = r.records().batches().iterator().next();
        if (b.baseOffset() > offset || b.lastOffset() < offset) {
            throw new IllegalStateException("read(" + offset + ") returned batch [" + b.baseOffset() + ", " + b.lastOffset() + "]");
        }
    }

    private void recovery(Path dir, LogEngineConfig cfg, long bytes) throws Exception {
        System.out.printf("4. Recovery (open of the engine until the partition serves), %,d MB partition%n", bytes / MB);
        long best = Long.MAX_VALUE;
        long end = -1;
        for (int r = 0; r < 3; r++) {
            long t = System.nanoTime();
            LogEngine engine = LogEngine.open(cfg);
            long nanos = System.nanoTime() - t;
            end = engine.partition("bench", 0).logEndOffset();
            engine.close();
            best = Math.min(best, nanos);
        }
        System.out.printf("   %-60s %9s  (best of 3)%n", "after a clean shutdown (close + reopen)", ms(best));
        target("recovery of ~1 GB after clean shutdown: < 1 s", ms(best) + " (" + bytes / MB + " MB)", best < 1_000_000_000L);

        // Simulated unclean shutdown: the checkpoint says "crashed, nothing known to be flushed".
        Path cp = dir.resolve("bench").resolve("0").resolve("partition.checkpoint");
        Files.writeString(cp, "version=1\nlog.start.offset=0\nrecovery.point=0\nclean.shutdown=false\ncleaner.offset=0\n",
                StandardCharsets.ISO_8859_1);
        long t = System.nanoTime();
        try (LogEngine engine = LogEngine.open(cfg)) {
            long nanos = System.nanoTime() - t;
            long recovered = engine.partition("bench", 0).logEndOffset();
            System.out.printf("   %-60s %9s  (every batch CRC-checked, indexes rebuilt; %s)%n",
                    "simulated unclean shutdown (checkpoint: clean.shutdown=false, recovery.point=0)", ms(nanos),
                    recovered == end ? "log end unchanged" : "LOG END CHANGED " + end + " -> " + recovered);
            summaryInfo("recovery, simulated unclean (" + bytes / MB + " MB)", ms(nanos));
        }
        killRecovery();
        System.out.println();
    }

    /** A child JVM writes ~killBytes, is SIGKILLed while still appending, and the partition is reopened. */
    private void killRecovery() throws Exception {
        Path dir = root.resolve("kill9");
        deleteRecursively(dir);
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process child = new ProcessBuilder(java, "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), LogBenchWriter.class.getName(), dir.toString(),
                Long.toString(o.killBytes)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long writtenBytes;
        long t0 = System.nanoTime();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            String line = out.readLine();
            if (line == null || !line.startsWith("WRITTEN ")) {
                throw new IllegalStateException("kill -9 child did not report its writes: " + line);
            }
            writtenBytes = Long.parseLong(line.split(" ")[1]);
            Thread.sleep(150); // still appending when killed
        } finally {
            child.toHandle().destroyForcibly(); // SIGKILL
            child.waitFor();
        }
        double writeSeconds = (System.nanoTime() - t0) / 1e9;
        // What the checkpoint left to re-check: segments from the one holding the recovery point on.
        Path partition = dir.resolve(LogBenchWriter.TOPIC).resolve("0");
        java.util.Properties cp = new java.util.Properties();
        try (var in = Files.newBufferedReader(partition.resolve("partition.checkpoint"), StandardCharsets.ISO_8859_1)) {
            cp.load(in);
        }
        long recoveryPoint = Long.parseLong(cp.getProperty("recovery.point"));
        boolean cleanMark = Boolean.parseBoolean(cp.getProperty("clean.shutdown"));
        List<Path> logs;
        try (var files = Files.list(partition)) {
            logs = files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
        }
        long fileBytes = 0;
        long toCheck = 0;
        for (int i = 0; i < logs.size(); i++) {
            long size = Files.size(logs.get(i));
            long nextBase = i + 1 < logs.size()
                    ? Long.parseLong(logs.get(i + 1).getFileName().toString().replace(".log", "")) : Long.MAX_VALUE;
            fileBytes += size;
            if (!cleanMark && nextBase > recoveryPoint) {
                toCheck += size;
            }
        }
        long t = System.nanoTime();
        try (LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build())) {
            long nanos = System.nanoTime() - t;
            PartitionLog p = engine.partition(LogBenchWriter.TOPIC, 0);
            System.out.printf("   %-60s %9s  (child wrote %,d MB in %.1f s, killed while appending; checkpoint: clean=%s,"
                            + " recovery point %,d, so %,d of %,d MB in %d segment(s) re-checked; %,d records)%n",
                    "after a real kill -9 of a child JVM (flush.ms=1000)", ms(nanos), writtenBytes / MB, writeSeconds,
                    cleanMark, recoveryPoint, toCheck / MB, fileBytes / MB, logs.size(), p.logEndOffset());
            if (fileBytes != p.sizeInBytes()) {
                System.out.printf("   %-60s %,d bytes of torn tail truncated%n", "", fileBytes - p.sizeInBytes());
            }
            summaryInfo("recovery after kill -9 (" + fileBytes / MB + " MB, " + toCheck / MB + " MB re-checked)", ms(nanos));
            engine.deleteTopic(LogBenchWriter.TOPIC);
        }
        deleteRecursively(dir);
    }

    // ------------------------------------------------------------------------------------------------- reporting

    private void target(String what, String measured, boolean pass) {
        summary.add(new String[]{what, measured, pass ? "PASS" : "MISS"});
    }

    private void summaryInfo(String what, String measured) {
        summary.add(new String[]{what, measured, ""});
    }

    private void printSummary() {
        System.out.println("Summary");
        int w = summary.stream().mapToInt(s -> s[0].length()).max().orElse(10);
        int m = summary.stream().mapToInt(s -> s[1].length()).max().orElse(10);
        for (String[] s : summary) {
            System.out.printf("   %-" + w + "s  %-" + m + "s  %s%n", s[0], s[1], s[2]);
        }
    }

    private static String count(double perSec) {
        return String.format("%,.0f", perSec);
    }

    private static String us(long nanos) {
        return nanos >= 10_000_000 ? String.format("%.1f ms", nanos / 1e6) : String.format("%.1f us", nanos / 1e3);
    }

    private static String ms(long nanos) {
        return String.format("%.0f ms", nanos / 1e6);
    }

    private static int segments(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return (int) files.filter(f -> f.toString().endsWith(".log")).count();
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
