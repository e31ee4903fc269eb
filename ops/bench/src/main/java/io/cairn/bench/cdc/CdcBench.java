package io.cairn.bench.cdc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.cairn.cdc.CdcService;
import io.cairn.cdc.ConnectorState;
import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.kafka.KafkaBroker;
import io.cairn.log.kafka.KafkaBrokerConfig;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.JsonByteArray;

/**
 * CDC benchmark: PostgreSQL single-row inserts captured by Debezium, two ways on the same machine and database:
 * <ul>
 *   <li><b>cairn</b>: {@link CdcService} appends each change to a Cairn topic (one batch per Debezium batch; fsynced
 *       in the background and before offsets are stored, see docs/cdc.md), and a stock kafka-clients consumer reads
 *       it from Cairn's Kafka listener;</li>
 *   <li><b>limit</b>: the same Debezium embedded engine and connector settings, delivering Debezium's JSON bytes
 *       ({@code JsonByteArray}, converted by Debezium's JsonConverter) to a consumer that only counts (offsets in
 *       Kafka Connect's file store, so a resume starts from them as Cairn's does): the most this path can do. Cairn produces the same JSON bytes with its own writer
 *       ({@code ConnectJson}) from Debezium's records, which costs less than Debezium's converter.</li>
 * </ul>
 * Figures: changes/s captured live (inserts running while capturing; writers on 4 connections with
 * {@code synchronous_commit=off}, so that the database's commit rate does not set the pace) and draining a backlog
 * (connector paused while the rows are inserted, then resumed), and end-to-end latency commit → readable (cairn: the
 * Kafka consumer has it; limit: the engine's callback has it) at a paced 500 inserts/s with synchronous commits,
 * p50 and p99. Beside each throughput, the CPU time per change of this JVM and of PostgreSQL's processes: on a shared
 * machine the throughput moves with what else runs, the CPU cost much less.
 *
 * <p>Captured, for Cairn, means durable in the table's topic: appended and fsynced (the topic's durable offset), the
 * point where the limit's consumer has merely been handed the change. The Kafka consumer then reads every change back
 * from the first offset and the run fails unless each id is there exactly once; it stays on for the latency phase.
 * With {@code --read-while-capturing} it reads during the throughput phases too (throughput is still counted as
 * captured), which shows what a consumer tailing the topic costs on the same two cores.
 *
 * <p>Rounds alternate the two paths; the median round and the best figure of each are reported.
 *
 * <p>Usage: {@code CdcBench [--pg host:port] [--rows N] [--latency-rows N] [--rounds N] [--only limit|cairn]
 * [--read-while-capturing]}. Needs wal_level=logical.
 */
public final class CdcBench {
    private static final String DB = "cdc_bench";
    private static final int WRITERS = 4;
    private static final int WARMUP = 10_000;

    private final String pg;
    private final int rows;
    private final int latencyRows;
    private final int rounds;
    private final String only;
    private final boolean readWhileCapturing;

    private CdcBench(String pg, int rows, int latencyRows, int rounds, String only, boolean readWhileCapturing) {
        this.only = only;
        this.readWhileCapturing = readWhileCapturing;
        this.pg = pg;
        this.rows = rows;
        this.latencyRows = latencyRows;
        this.rounds = rounds;
    }

    public static void main(String[] args) throws Exception {
        String pg = System.getenv().getOrDefault("CAIRN_CDC_PG", "127.0.0.1:5432");
        int rows = 100_000;
        int latencyRows = 3_000;
        int rounds = 3;
        String only = null;
        boolean readWhileCapturing = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pg" -> pg = args[++i];
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--latency-rows" -> latencyRows = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--only" -> only = args[++i];
                case "--read-while-capturing" -> readWhileCapturing = true;
                default -> {
                    System.out.println("CdcBench [--pg host:port (CAIRN_CDC_PG, 127.0.0.1:5432)] [--rows 100000] [--latency-rows 3000] [--rounds 3] [--only limit|cairn] [--read-while-capturing]");
                    return;
                }
            }
        }
        new CdcBench(pg, rows, latencyRows, rounds, only, readWhileCapturing).run();
    }

    /** A capture path under test: started against the table, paused and resumed, counting what is readable. */
    interface Path2 extends AutoCloseable {
        void start() throws Exception;

        void pause() throws Exception;

        void resume() throws Exception;

        /**
         * Changes captured so far: for Cairn, records durable in the table's topic (appended and fsynced); for the
         * limit, changes its consumer was handed (the same as {@link #seen}).
         */
        long captured();

        /** Starts reading the captured changes back, from the first (Cairn: a Kafka consumer; the limit: nothing). */
        void startReading();

        /** Changes readable so far. */
        long seen();

        /** Records read a second time: an id that was already read (Cairn: must stay 0, each change exactly once). */
        long duplicates();

        /** Nanotime at which the row with this id became readable (0: not yet). */
        long seenAt(int id);

        @Override
        void close() throws Exception;
    }

    private void run() throws Exception {
        System.out.printf("CDC benchmark: PostgreSQL %s, %,d single-row inserts (%d writer connections), latency at 500/s over %,d rows"
                + " (each path warmed up with %,d changes first)%n", pg, rows, WRITERS, latencyRows, WARMUP);
        // Alternating rounds, median and best of each: other processes on a shared machine move single runs by tens of
        // percent.
        List<Result> limits = new ArrayList<>();
        List<Result> cairns = new ArrayList<>();
        int ids = WARMUP + 2 * rows + latencyRows + 10;
        for (int round = 1; round <= rounds; round++) {
            if (!"cairn".equals(only)) {
                limits.add(measure("limit #" + round, () -> new LimitPath(connectorProps("cdc_bench_limit"), ids)));
            }
            if (!"limit".equals(only)) {
                cairns.add(measure("cairn #" + round, () -> new CairnPath(connectorProps("cdc_bench_cairn"), ids, readWhileCapturing)));
            }
        }
        if (limits.isEmpty() || cairns.isEmpty()) {
            return;
        }
        if (rounds > 2) {
            // The median round of each side: one lucky or unlucky round (the resume's wait, a stall of the machine)
            // moves a best-of figure; the median is what a typical round gives.
            System.out.println();
            System.out.printf("median of %d rounds each:%n", rounds);
            summary(Result.median(limits), Result.median(cairns));
        }
        System.out.println();
        System.out.printf("best of %d round(s) each:%n", rounds);
        summary(limits.stream().reduce(null, Result::best), cairns.stream().reduce(null, Result::best));
        System.out.println("(live is bounded by the database's insert rate, which the capture path's CPU use on the same"
                + " cores also lowers)");
        System.out.println("(backlog counts from the resume, whose search for the WAL position both pay; the line below it"
                + " from the first change captured)");
        System.out.println("targets: cairn ≥ 90% of the limit's throughput; p50 ≤ 25 ms");
    }

    private static void summary(Result limit, Result cairn) {
        System.out.printf("%-34s %14s %14s %8s%n", "", "limit", "cairn", "cairn/limit");
        row("live changes/s", limit.live, cairn.live);
        row("backlog changes/s", limit.backlog, cairn.backlog);
        row("backlog, first to last change /s", limit.drain, cairn.drain);
        System.out.printf("%-34s %14.1f %14.1f%n", "latency p50 ms (commit→readable)", limit.p50, cairn.p50);
        System.out.printf("%-34s %14.1f %14.1f%n", "latency p99 ms", limit.p99, cairn.p99);
        System.out.printf("%-34s %14.0f %14.0f%n", "live: captured after last insert ms", limit.tailMs, cairn.tailMs);
        System.out.printf("%-34s %14.0f %14.0f%n", "insert rate alone (live run) /s", limit.insertRate, cairn.insertRate);
    }

    private static void row(String what, double limit, double cairn) {
        System.out.printf("%-34s %14.0f %14.0f %7.0f%%%n", what, limit, cairn, 100 * cairn / limit);
    }

    record Result(double live, double backlog, double drain, double p50, double p99, double insertRate, double tailMs) {
        /** Each figure's median over the rounds, figure by figure. */
        static Result median(List<Result> rs) {
            java.util.function.ToDoubleFunction<java.util.function.ToDoubleFunction<Result>> m = f -> {
                double[] v = rs.stream().mapToDouble(f).sorted().toArray();
                return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            };
            return new Result(m.applyAsDouble(Result::live), m.applyAsDouble(Result::backlog), m.applyAsDouble(Result::drain),
                    m.applyAsDouble(Result::p50), m.applyAsDouble(Result::p99), m.applyAsDouble(Result::insertRate),
                    m.applyAsDouble(Result::tailMs));
        }

        static Result best(Result a, Result b) {
            if (a == null) {
                return b;
            }
            return new Result(Math.max(a.live, b.live), Math.max(a.backlog, b.backlog), Math.max(a.drain, b.drain),
                    Math.min(a.p50, b.p50),
                    Math.min(a.p99, b.p99), Math.max(a.insertRate, b.insertRate), Math.min(a.tailMs, b.tailMs));
        }
    }

    interface Factory {
        Path2 create() throws Exception;
    }

    private Result measure(String name, Factory factory) throws Exception {
        freshDatabase();
        try (Path2 path = factory.create()) {
            path.start();
            // warm-up (not measured): both paths get the same JIT and connection warm-up
            insert(0, WARMUP);
            awaitCaptured(path, WARMUP);
            // live
            long t0 = System.nanoTime();
            Cpu c0 = Cpu.now();
            double insertSeconds = insert(WARMUP, rows);
            long inserted = System.nanoTime();
            awaitCaptured(path, WARMUP + rows);
            double live = rows / seconds(t0);
            double tailMs = (System.nanoTime() - inserted) / 1e6;
            System.out.printf("%s: live %,d changes in %.1f s: %.0f/s (inserts alone took %.1f s; all captured %.0f ms"
                    + " after the last insert)%n", name, rows, seconds(t0), live, insertSeconds, tailMs);
            Cpu c0end = Cpu.now();
            System.out.printf("%s:   live CPU per change: %s%n", name, c0end.minus(c0).per(rows));
            System.out.printf("%s:   live JVM threads: %s%n", name, c0end.byRole(c0, rows));
            // backlog
            path.pause();
            insert(WARMUP + rows, rows);
            long t1 = System.nanoTime();
            Cpu c1 = Cpu.now();
            path.resume();
            awaitCaptured(path, WARMUP + rows + 1);
            long first = System.nanoTime();
            double firstMs = (first - t1) / 1e6;
            awaitCaptured(path, WARMUP + 2L * rows);
            double backlog = rows / seconds(t1);
            double drain = (rows - 1) / seconds(first);
            System.out.printf("%s: backlog of %,d changes drained in %.1f s: %.0f/s (the first after %.0f ms, spent resuming;"
                    + " %.0f/s from the first to the last; load %s)%n", name, rows, seconds(t1), backlog, firstMs, drain,
                    Cpu.loadavg());
            Cpu c1end = Cpu.now();
            System.out.printf("%s:   backlog CPU per change: %s%n", name, c1end.minus(c1).per(rows));
            System.out.printf("%s:   backlog JVM threads: %s%n", name, c1end.byRole(c1, rows));
            // everything captured so far, read back (Cairn: by a stock Kafka consumer from the first offset)
            long t2 = System.nanoTime();
            path.startReading();
            awaitSeen(path, WARMUP + 2L * rows);
            if (path instanceof CairnPath && (path.seen() != path.captured() || path.duplicates() != 0)) {
                throw new IllegalStateException(name + ": read " + path.seen() + " changes back (" + path.duplicates()
                        + " twice) of " + path.captured() + " captured");
            }
            // The limit has no deduplication: a resumed engine may hand it a change again (at least once).
            System.out.printf("%s: all %,d changes read back in %.1f s, %s%n", name, WARMUP + 2L * rows, seconds(t2),
                    path.duplicates() == 0 ? "each once" : path.duplicates() + " of them handed over twice");
            // latency, paced
            Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            long[] committed = new long[latencyRows];
            int base = WARMUP + 2 * rows;
            try (Connection c = connect(DB); PreparedStatement ps = c.prepareStatement("INSERT INTO bench VALUES (?, ?)")) {
                long start = System.nanoTime();
                for (int i = 0; i < latencyRows; i++) {
                    long due = start + i * 2_000_000L;
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                    ps.setInt(1, base + i);
                    ps.setString(2, "payload-" + i);
                    ps.executeUpdate();
                    committed[i] = System.nanoTime();
                }
            }
            awaitSeen(path, WARMUP + 2L * rows + latencyRows);
            if (path instanceof CairnPath && path.duplicates() != 0) {
                throw new IllegalStateException(name + ": " + path.duplicates() + " changes read twice");
            }
            for (int i = 0; i < latencyRows; i++) {
                h.recordValue(Math.max(0, path.seenAt(base + i) - committed[i]));
            }
            double p50 = h.getValueAtPercentile(50) / 1e6;
            double p99 = h.getValueAtPercentile(99) / 1e6;
            System.out.printf("%s: latency commit→readable p50 %.1f ms, p99 %.1f ms%n", name, p50, p99);
            return new Result(live, backlog, drain, p50, p99, rows / insertSeconds, tailMs);
        } finally {
            dropDatabase();
        }
    }

    /**
     * CPU time used so far by this JVM (capture path, broker, consumer, and the insert generator's client side) and by
     * the PostgreSQL server's processes (the inserts' backends and the walsender decoding for the slot), from /proc.
     * On a shared machine throughput moves with what else runs; CPU time per change does much less.
     */
    record Cpu(double jvmSeconds, Map<String, Double> pg, Map<Long, Double> threads, Map<Long, String> names,
               long gcs, long gcMillis) {
        static Cpu now() {
            double jvm = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
            Map<Long, Double> threads = new HashMap<>();
            Map<Long, String> names = new HashMap<>();
            java.lang.management.ThreadMXBean tmx = java.lang.management.ManagementFactory.getThreadMXBean();
            for (java.lang.management.ThreadInfo ti : tmx.getThreadInfo(tmx.getAllThreadIds(), 16)) {
                if (ti == null) {
                    continue;
                }
                long cpu = tmx.getThreadCpuTime(ti.getThreadId());
                if (cpu >= 0) {
                    threads.put(ti.getThreadId(), cpu / 1e9);
                    names.put(ti.getThreadId(), role(ti));
                }
            }
            Map<String, Double> pg = new HashMap<>();
            java.io.File[] procs = new java.io.File("/proc").listFiles((d, n) -> n.chars().allMatch(Character::isDigit));
            if (procs != null) {
                for (java.io.File f : procs) {
                    try {
                        String st = Files.readString(f.toPath().resolve("stat"));
                        int close = st.lastIndexOf(')');
                        if (!st.substring(st.indexOf('(') + 1, close).equals("postgres")) {
                            continue;
                        }
                        String[] fields = st.substring(close + 2).split(" ");
                        // utime, stime in ticks; keyed by pid and start time, so a reused pid is another process
                        pg.put(f.getName() + "/" + fields[19],
                                (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0);
                    } catch (Exception gone) {
                        // a process that ended meanwhile
                    }
                }
            }
            long gcs = 0;
            long gcMillis = 0;
            for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
                gcs += Math.max(0, gc.getCollectionCount());
                gcMillis += Math.max(0, gc.getCollectionTime());
            }
            return new Cpu(jvm, pg, threads, names, gcs, gcMillis);
        }

        /** What a thread does, from its name and (for pool threads) its stack. */
        private static String role(java.lang.management.ThreadInfo ti) {
            String n = ti.getThreadName();
            if (n.contains("change-event-source-coordinator")) {
                return "debezium decoding";
            }
            if (n.startsWith("bench-consumer")) {
                return "kafka consumer";
            }
            if (n.startsWith("cairn-kafka")) {
                return "cairn broker";
            }
            if (n.startsWith("cairn-cdc-io")) {
                return "cairn append";
            }
            if (n.startsWith("cairn-log")) {
                return "cairn log scheduler";
            }
            if (n.startsWith("pool-")) {
                for (StackTraceElement e : ti.getStackTrace()) {
                    String c = e.getClassName();
                    if (c.contains("PollRecords") || c.contains("AsyncEmbeddedEngine")) {
                        return "debezium engine poll+handler";
                    }
                    if (c.startsWith("io.cairn.bench")) {
                        return "insert generator";
                    }
                }
                return "debezium workers (convert)";
            }
            if (n.startsWith("C2 ") || n.startsWith("C1 ")) {
                return "JIT";
            }
            if (n.startsWith("G1 ") || n.startsWith("GC ") || n.contains("GC")) {
                return "GC";
            }
            return "other";
        }

        /** CPU per change by thread role, from {@code o} to this (threads that ended in between not counted). */
        String byRole(Cpu o, long n) {
            Map<String, Double> sum = new java.util.TreeMap<>();
            threads.forEach((id, v) -> sum.merge(names.get(id), v - o.threads.getOrDefault(id, 0.0), Double::sum));
            StringBuilder b = new StringBuilder();
            sum.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .filter(e -> e.getValue() * 1e6 / n >= 0.05)
                    .forEach(e -> b.append(String.format("%s %.1f, ", e.getKey(), e.getValue() * 1e6 / n)));
            return b.length() == 0 ? "" : b.substring(0, b.length() - 2) + " µs";
        }

        /** From {@code o} to this: processes that ended in between are not counted. */
        Cpu minus(Cpu o) {
            Map<String, Double> d = new HashMap<>();
            pg.forEach((k, v) -> d.put(k, v - o.pg.getOrDefault(k, 0.0)));
            return new Cpu(jvmSeconds - o.jvmSeconds, d, Map.of(), Map.of(), gcs - o.gcs, gcMillis - o.gcMillis);
        }

        double pgSeconds() {
            return pg.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        String per(long n) {
            return String.format("JVM %.1f µs, PostgreSQL %.1f µs (backends that ended not counted); %d GCs, %d ms",
                    jvmSeconds * 1e6 / n, pgSeconds() * 1e6 / n, gcs, gcMillis);
        }

        static String loadavg() {
            try {
                return Files.readString(Path.of("/proc/loadavg")).trim();
            } catch (Exception ex) {
                return "?";
            }
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static void awaitSeen(Path2 path, long n) throws InterruptedException {
        await(path::seen, n, "read");
    }

    private static void awaitCaptured(Path2 path, long n) throws InterruptedException {
        await(path::captured, n, "captured");
    }

    private static void await(java.util.function.LongSupplier count, long n, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (count.getAsLong() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Only " + count.getAsLong() + " of " + n + " changes " + what
                        + " after 10 minutes");
            }
            Thread.sleep(1);
        }
    }

    /** Inserts ids [from, from + n) on WRITERS connections, one row per transaction; returns the seconds taken. */
    private double insert(int from, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        long t0 = System.nanoTime();
        try {
            Future<?>[] fs = new Future<?>[WRITERS];
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                fs[w] = pool.submit(() -> {
                    try (Connection c = connect(DB); PreparedStatement ps = c.prepareStatement("INSERT INTO bench VALUES (?, ?)")) {
                        try (Statement s = c.createStatement()) {
                            // The source's commit rate is not what is measured: commits return before their WAL
                            // flush, so the capture path, not the disk of the database, sets the pace.
                            s.execute("SET synchronous_commit = off");
                        }
                        for (int i = from + writer; i < from + n; i += WRITERS) {
                            ps.setInt(1, i);
                            ps.setString(2, "payload-" + i);
                            ps.executeUpdate();
                        }
                    }
                    return null;
                });
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return seconds(t0);
    }

    Map<String, String> connectorProps(String name) {
        Map<String, String> m = new HashMap<>();
        m.put("type", "postgres");
        m.put("database.hostname", pg.substring(0, pg.indexOf(':')));
        m.put("database.port", pg.substring(pg.indexOf(':') + 1));
        m.put("database.user", "postgres");
        m.put("database.password", "");
        m.put("database.dbname", DB);
        m.put("slot.name", name);
        m.put("publication.name", name);
        m.put("topic.prefix", name);
        m.put("table.include.list", "public.bench");
        m.put("snapshot.mode", "no_data");
        return m;
    }

    private Connection connect(String db) throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://" + pg + "/" + db, "postgres", "");
    }

    private void freshDatabase() throws Exception {
        dropDatabase();
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + DB);
        }
        try (Connection c = connect(DB); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE bench (id int PRIMARY KEY, payload text NOT NULL)");
        }
    }

    private void dropDatabase() throws Exception {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '" + DB
                    + "' AND NOT active");
            s.execute("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
        }
    }

    /** Parses the id out of a key {@code {"id":123}}. */
    static int id(byte[] key) {
        int v = 0;
        for (byte b : key) {
            if (b >= '0' && b <= '9') {
                v = v * 10 + (b - '0');
            }
        }
        return v;
    }

    // ------------------------------------------------------------------------------------------------- limit

    /** Debezium's embedded engine with Cairn's settings and a consumer that only counts. */
    static final class LimitPath implements Path2 {
        private final Map<String, String> config;
        private final AtomicLong seen = new AtomicLong();
        private final AtomicLong duplicates = new AtomicLong();
        private final AtomicLongArray at;
        private final Path offsets;
        private DebeziumEngine<ChangeEvent<byte[], byte[]>> engine;
        private ExecutorService runner;

        LimitPath(Map<String, String> config, int maxId) throws Exception {
            this.config = config;
            this.at = new AtomicLongArray(maxId);
            this.offsets = Files.createTempFile("cdc-bench-limit", ".offsets");
        }

        private Properties props() {
            Properties p = new Properties();
            // Cairn's defaults (ConnectorConfig), with offsets in a file instead of the log.
            p.setProperty("plugin.name", "pgoutput");
            p.setProperty("publication.autocreate.mode", "filtered");
            p.setProperty("decimal.handling.mode", "string");
            p.setProperty("heartbeat.interval.ms", "10000");
            p.setProperty("poll.interval.ms", "10");
            p.setProperty("offset.flush.interval.ms", "1000");
            p.setProperty("converter.schemas.enable", "false");
            p.setProperty("key.converter.schemas.enable", "false");
            p.setProperty("value.converter.schemas.enable", "false");
            config.forEach((k, v) -> {
                if (!k.equals("type")) {
                    p.setProperty(k, v);
                }
            });
            p.setProperty("name", "limit");
            p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
            // Offsets kept across pause and resume, as any deployment keeps them (Kafka Connect's file store, flushed
            // every offset.flush.interval.ms and on stop): the resumed engine starts from them as Cairn's does, paying
            // the same search for its resume position in the WAL, instead of starting bare from the slot.
            p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
            p.setProperty("offset.storage.file.filename", offsets.toString());
            return p;
        }

        @Override
        public void start() throws Exception {
            java.util.concurrent.CountDownLatch polling = new java.util.concurrent.CountDownLatch(1);
            engine = DebeziumEngine.create(JsonByteArray.class).using(props())
                    .using(new DebeziumEngine.ConnectorCallback() {
                        @Override
                        public void pollingStarted() {
                            polling.countDown();
                        }
                    })
                    .notifying((records, committer) -> {
                        long now = System.nanoTime();
                        for (ChangeEvent<byte[], byte[]> r : records) {
                            if (r.key() != null && r.value() != null && !r.destination().startsWith("__debezium")) {
                                if (at.compareAndSet(id(r.key()), 0, now)) {
                                    seen.incrementAndGet();
                                } else {
                                    duplicates.incrementAndGet();
                                }
                            }
                            committer.markProcessed(r);
                        }
                        committer.markBatchFinished();
                    }).build();
            runner = Executors.newSingleThreadExecutor();
            runner.submit(engine);
            if (!polling.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("The limit engine did not start");
            }
        }

        @Override
        public void pause() throws Exception {
            stop();
        }

        @Override
        public void resume() throws Exception {
            start();
        }

        @Override
        public long captured() {
            return seen.get();
        }

        @Override
        public void startReading() {
            // its consumer is the engine's callback: what it was handed is all there is
        }

        @Override
        public long duplicates() {
            return duplicates.get();
        }

        @Override
        public long seen() {
            return seen.get();
        }

        @Override
        public long seenAt(int id) {
            return at.get(id);
        }

        private void stop() throws Exception {
            if (engine != null) {
                engine.close();
                engine = null;
            }
            if (runner != null) {
                runner.shutdown();
                runner.awaitTermination(1, TimeUnit.MINUTES);
            }
        }

        @Override
        public void close() throws Exception {
            stop();
            Files.deleteIfExists(offsets);
        }
    }

    // ------------------------------------------------------------------------------------------------- cairn

    /** CdcService into a Cairn topic; a stock Kafka consumer reads it through Cairn's Kafka listener. */
    static final class CairnPath implements Path2 {
        private final Map<String, String> config;
        private final String name;
        private final String topic;
        private final boolean readWhileCapturing;
        private final AtomicLong seen = new AtomicLong();
        private final AtomicLong duplicates = new AtomicLong();
        private final AtomicLongArray at;
        private final Path dir;
        private LogEngine engine;
        private KafkaBroker broker;
        private CdcService cdc;
        private Thread reader;
        private volatile boolean stop;

        CairnPath(Map<String, String> config, int maxId, boolean readWhileCapturing) throws Exception {
            this.config = config;
            this.readWhileCapturing = readWhileCapturing;
            this.name = config.get("topic.prefix");
            this.topic = name + ".public.bench";
            this.at = new AtomicLongArray(maxId);
            this.dir = Files.createTempDirectory("cdc-bench");
        }

        @Override
        public void start() throws Exception {
            engine = LogEngine.open(LogEngineConfig.builder(dir).build());
            broker = new KafkaBroker(engine, KafkaBrokerConfig.builder().port(0).build()).start();
            cdc = new CdcService(engine, r -> {
                Thread t = new Thread(r);
                t.setDaemon(true); // a failed run must still end the JVM
                return t;
            });
            cdc.start(Map.of());
            cdc.create(name, config);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (cdc.status(name).state() != ConnectorState.STREAMING) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Not streaming: " + cdc.status(name));
                }
                Thread.sleep(10);
            }
            if (readWhileCapturing) {
                startReading();
            }
        }

        @Override
        public synchronized void startReading() {
            if (reader == null) {
                reader = new Thread(() -> read(topic), "bench-consumer");
                reader.start();
            }
        }

        /** Records durable in the topic: appended and fsynced (the topic's records are the changes, from offset 0). */
        @Override
        public long captured() {
            return engine.topic(topic).map(t -> {
                long n = 0;
                for (int p = 0; p < t.partitionCount(); p++) {
                    n += t.partition(p).durableOffset();
                }
                return n;
            }).orElse(0L);
        }

        @Override
        public long duplicates() {
            return duplicates.get();
        }

        private void read(String topic) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + broker.port());
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
                TopicPartition tp = new TopicPartition(topic, 0);
                while (!stop && engine.topic(topic).isEmpty()) {
                    Thread.sleep(1);
                }
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                while (!stop) {
                    var records = c.poll(Duration.ofMillis(100));
                    long now = System.nanoTime();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        if (r.value() != null) {
                            if (at.compareAndSet(id(r.key()), 0, now)) {
                                seen.incrementAndGet();
                            } else {
                                duplicates.incrementAndGet();
                            }
                        }
                    }
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void pause() {
            cdc.pause(name);
        }

        @Override
        public void resume() {
            cdc.resume(name);
        }

        @Override
        public long seen() {
            return seen.get();
        }

        @Override
        public long seenAt(int id) {
            return at.get(id);
        }

        @Override
        public void close() throws Exception {
            stop = true;
            if (reader != null) {
                reader.join(10_000);
            }
            if (cdc != null) {
                cdc.delete(name);
                cdc.close();
            }
            if (broker != null) {
                broker.close();
            }
            if (engine != null) {
                engine.close();
            }
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
