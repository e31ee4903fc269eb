package io.cairn.bench.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * Cairn's Kafka listener side by side with an Apache Kafka 4.4.0 KRaft broker, measured with Kafka's own tools
 * (ProducerPerformance, ConsumerPerformance, EndToEndLatency from kafka-tools 4.4.0) plus {@link LatencyProbe}.
 * Each broker runs in its own JVM with the same heap and GC settings; every tool runs in its own JVM, one at a time,
 * alternating which broker goes first so that background load drifts hit both alike. Broker CPU comes from
 * {@code /proc/<pid>/stat} (utime+stime) before and after each run.
 *
 * <p>Started by {@code ops/bench/kafka.sh}, which builds both classpaths. Run with {@code --help} for options.
 */
public final class SideBySide {
    /** Kafka's default for flush.messages / log.flush.interval.messages: no fsync per write, the OS flushes. */
    static final String NO_FSYNC = Long.toString(Long.MAX_VALUE);
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    static final List<String> BROKER_JVM = List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15",
            "-Djava.awt.headless=true");
    static final List<String> TOOL_JVM = List.of("-Xms512m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true");

    // ------------------------------------------------------------------------------------------------ options
    long records = 1_000_000;
    long records1k = 500_000;
    int e2eRecords = 10_000;
    int warmupRecords = 300_000;
    int partitions = 1;
    int repeat = 1;
    String only = "produce,consume,e2e,durable";
    int cairnPort = 19092;
    int kafkaPort = 29092;
    int kafkaControllerPort = 29093;
    boolean fsyncCase = true;
    boolean jfr;
    Path work = Path.of("ops/bench/target/kafka");
    String cairnClasspath;
    String peerClasspath;
    long clkTck = 100;

    final List<Row> rows = new ArrayList<>();
    final StringBuilder report = new StringBuilder();

    Broker cairn;
    Broker kafka;

    public static void main(String[] args) throws Exception {
        SideBySide b = new SideBySide();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> {
                    b.records = 200_000;
                    b.records1k = 100_000;
                    b.e2eRecords = 2_000;
                    b.warmupRecords = 100_000;
                }
                case "--records" -> b.records = Long.parseLong(args[++i]);
                case "--records-1k" -> b.records1k = Long.parseLong(args[++i]);
                case "--e2e-records" -> b.e2eRecords = Integer.parseInt(args[++i]);
                case "--warmup-records" -> b.warmupRecords = Integer.parseInt(args[++i]);
                case "--partitions" -> b.partitions = Integer.parseInt(args[++i]);
                case "--repeat" -> b.repeat = Integer.parseInt(args[++i]);
                case "--only" -> b.only = args[++i];
                case "--cairn-port" -> b.cairnPort = Integer.parseInt(args[++i]);
                case "--kafka-port" -> {
                    b.kafkaPort = Integer.parseInt(args[++i]);
                    b.kafkaControllerPort = b.kafkaPort + 1;
                }
                case "--no-fsync-case" -> b.fsyncCase = false;
                case "--jfr" -> b.jfr = true;
                case "--work" -> b.work = Path.of(args[++i]);
                case "--cairn-classpath" -> b.cairnClasspath = Files.readString(Path.of(args[++i])).trim();
                case "--peer-classpath" -> b.peerClasspath = Files.readString(Path.of(args[++i])).trim();
                case "--clk-tck" -> b.clkTck = Long.parseLong(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("""
                            usage: ops/bench/run kafka [--quick] [--records N] [--records-1k N] [--e2e-records N]
                                   [--warmup-records N] [--partitions N] [--repeat N] [--only LIST] [--cairn-port P]
                                   [--kafka-port P]
                                   [--no-fsync-case] [--jfr]
                              --quick          200k records per 100-byte case, 100k per 1 KB case, 2k round trips
                              --repeat N       run every case N times per broker (alternating) and report the median run
                              --only LIST      comma-separated sections to run: produce,consume,e2e,durable (consume
                                               produces its input first when produce is left out)
                              --no-fsync-case  skip the informational Cairn run with its durable default flush.messages=1
                              --jfr            record a JFR profile of the Cairn broker (target/kafka/cairn.jfr)""");
                    return;
                }
                default -> throw new IllegalArgumentException("Unknown option " + a + " (try --help)");
            }
        }
        if (b.cairnClasspath == null || b.peerClasspath == null) {
            throw new IllegalArgumentException("--cairn-classpath and --peer-classpath are required (ops/bench/kafka.sh passes them)");
        }
        b.run();
    }

    // ------------------------------------------------------------------------------------------------ running

    void run() throws Exception {
        deleteTree(work);
        Files.createDirectories(work);
        out("Cairn vs Apache Kafka 4.4.0, Kafka's own perf tools (kafka-tools 4.4.0, clients 4.4.0 on both sides)");
        out("  " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors() + " cores, load average "
                + loadAverage() + ", java " + System.getProperty("java.version"));
        out("  per 100-byte case: " + records + " records; per 1 KB case: " + records1k + "; round trips: " + e2eRecords
                + "; partitions per topic: " + partitions
                + (repeat > 1 ? "; median of " + repeat + " runs per case (the CPU rows: each the median of its own)" : ""));
        out("  broker JVMs: " + String.join(" ", BROKER_JVM));
        try {
            cairn = startCairn();
            kafka = startKafka();
            out("  Cairn  pid " + cairn.pid() + " on " + cairn.bootstrap + "; topics flush.messages=" + NO_FSYNC
                    + " (Kafka's default: no fsync per append) unless marked otherwise");
            out("  Kafka  pid " + kafka.pid() + " on " + kafka.bootstrap
                    + "; log.flush.interval.messages default (" + NO_FSYNC + "): no fsync per append");
            out("");

            // JIT warm-up of both brokers' produce and fetch paths (not measured).
            for (Broker br : List.of(cairn, kafka)) {
                createTopic(br, "warmup", NO_FSYNC);
                runTool(br, "warmup", producerPerf(br, "warmup", warmupRecords, 512, "1"));
                consume(br, "warmup", warmupRecords);
            }
            if (section("consume")) {
                for (Broker br : List.of(cairn, kafka)) {
                    toolStartupCpu.put(br.name, consume(br, "warmup", 1).get("toolCpu"));
                }
                out(String.format(Locale.ROOT, "  consumer tool start-up CPU (ConsumerPerformance reading 1 record, subtracted "
                        + "below): Cairn %.2f s, Kafka %.2f s", toolStartupCpu.get("Cairn"), toolStartupCpu.get("Kafka")));
            }

            for (int size : new int[] {100, 1024}) {
                for (String acks : section("produce") ? new String[] {"1", "all"} : new String[0]) {
                    long n = size == 100 ? records : records1k;
                    String topic = "produce-" + size + "-acks" + acks;
                    String label = "produce " + (size == 100 ? "100 B" : "1 KB") + " acks=" + acks;
                    createTopic(cairn, topic, NO_FSYNC);
                    createTopic(kafka, topic, NO_FSYNC);
                    addProduceRows(label, measure(br -> produce(br, topic, n, size, acks), "rps"), n);
                }
            }
            for (int size : section("consume") ? new int[] {100, 1024} : new int[0]) {
                long n = size == 100 ? records : records1k;
                String topic = "produce-" + size + "-acks1";
                if (!section("produce")) {
                    for (Broker br : List.of(cairn, kafka)) {
                        createTopic(br, topic, NO_FSYNC);
                        produce(br, topic, n, size, "1");
                    }
                }
                String label = "consume " + (size == 100 ? "100 B" : "1 KB");
                addConsumeRows(label, measure(br -> consume(br, topic, n), "rps"), n);
            }
            if (section("e2e")) {
                for (Broker br : List.of(cairn, kafka)) {
                    createTopic(br, "e2e-tool", NO_FSYNC);
                    createTopic(br, "e2e-probe", NO_FSYNC);
                }
                Map<Broker, Result> tool = measure(br -> endToEnd(br, "e2e-tool"), "p99");
                Map<Broker, Result> probe = measure(br -> probe(br, "e2e-probe"), "p99");
                addLatencyRows(tool, probe);
            }
            if (fsyncCase && section("durable")) {
                long n = records / 2;
                createTopic(cairn, "durable-100-acksall", "1");
                Result r = produce(cairn, "durable-100-acksall", n, 100, "all");
                rows.add(Row.info("Cairn durable (flush.messages=1: fsync before ack, group commit), produce 100 B acks=all",
                        String.format(Locale.ROOT, "%,.0f rec/s, %.2f MB/s, p99 %s ms, broker %.2f CPU-s/M", r.get("rps"),
                                r.get("mbps"), fmt(r.get("p99"), 0), cpuPerMillion(r, n))));
            }
        } finally {
            stop(cairn);
            stop(kafka);
        }
        printTable();
        Files.writeString(work.resolve("results.txt"), report.toString());
        out("(figures also in " + work.resolve("results.txt") + "; broker and tool logs in " + work + ")");
    }

    interface Case {
        Result run(Broker b) throws Exception;
    }

    private int order;

    /**
     * Runs a case {@code repeat} times on each broker, alternating which goes first, and keeps each broker's median
     * run by {@code key}.
     */
    Map<Broker, Result> measure(Case c, String key) throws Exception {
        Map<Broker, List<Result>> runs = new LinkedHashMap<>();
        runs.put(cairn, new ArrayList<>());
        runs.put(kafka, new ArrayList<>());
        for (int i = 0; i < repeat; i++) {
            for (Broker br : alternate(order++)) {
                runs.get(br).add(c.run(br));
            }
        }
        Map<Broker, Result> median = new LinkedHashMap<>();
        runs.forEach((br, list) -> {
            // CPU figures are the median of their own over the runs, not those of the run with the median throughput
            Result m = new Result();
            for (String cpuKey : List.of("cpu", "toolCpu")) {
                double[] v = list.stream().mapToDouble(r -> r.get(cpuKey)).sorted().toArray();
                m.put(cpuKey, v[v.length / 2]);
            }
            list.sort(Comparator.comparingDouble(r -> r.get(key)));
            Result chosen = list.get(list.size() / 2);
            chosen.putAll(m);
            median.put(br, chosen);
        });
        return median;
    }

    boolean section(String name) {
        return List.of(only.split(",")).contains(name);
    }

    List<Broker> alternate(int i) {
        return i % 2 == 0 ? List.of(cairn, kafka) : List.of(kafka, cairn);
    }

    // ------------------------------------------------------------------------------------------------ brokers

    record Broker(String name, Process process, String bootstrap, Path dir) {
        long pid() {
            return process.pid();
        }
    }

    Broker startCairn() throws Exception {
        Path dir = work.resolve("cairn");
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        cmd.addAll(BROKER_JVM);
        if (jfr) {
            cmd.add("-XX:StartFlightRecording=filename=" + work.resolve("cairn.jfr").toAbsolutePath() + ",settings=profile,dumponexit=true");
        }
        cmd.addAll(List.of("-cp", cairnClasspath, "io.cairn.log.kafka.CairnBroker", "--data-dir", dir.resolve("data").toString(),
                "--port", Integer.toString(cairnPort)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve("cairn-broker.log").toFile()).start();
        Broker b = new Broker("Cairn", p, "127.0.0.1:" + cairnPort, dir);
        awaitReady(b);
        return b;
    }

    Broker startKafka() throws Exception {
        Path dir = work.resolve("kafka");
        Files.createDirectories(dir);
        Path log4j = writeLog4j();
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + kafkaControllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + kafkaPort + ",CONTROLLER://127.0.0.1:" + kafkaControllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + kafkaPort);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", dir.resolve("data").toAbsolutePath().toString());
        props.put("num.partitions", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("auto.create.topics.enable", "false");
        Path conf = dir.resolve("server.properties");
        try (var w = Files.newBufferedWriter(conf)) {
            props.store(w, "Apache Kafka peer for ops/bench/run kafka (everything else: Kafka's defaults)");
        }
        String clusterId = Uuid.randomUuid().toString();
        List<String> format = new ArrayList<>(List.of(JAVA, "-Xmx256m", "-Dlog4j2.configurationFile=" + log4j.toAbsolutePath(),
                "-cp", peerClasspath, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", conf.toString()));
        Process f = new ProcessBuilder(format).redirectErrorStream(true).redirectOutput(work.resolve("kafka-format.log").toFile()).start();
        if (!f.waitFor(120, TimeUnit.SECONDS) || f.exitValue() != 0) {
            throw new IllegalStateException("Formatting Kafka's storage failed: " + Files.readString(work.resolve("kafka-format.log")));
        }
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        cmd.addAll(BROKER_JVM);
        cmd.addAll(List.of("-Dlog4j2.configurationFile=" + log4j.toAbsolutePath(), "-Dkafka.logs.dir=" + dir.toAbsolutePath(),
                "-cp", peerClasspath, "kafka.Kafka", conf.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve("kafka-broker.log").toFile()).start();
        Broker b = new Broker("Kafka", p, "127.0.0.1:" + kafkaPort, dir);
        awaitReady(b);
        return b;
    }

    Path writeLog4j() throws IOException {
        Path f = work.resolve("log4j2.properties");
        if (!Files.exists(f)) {
            Files.writeString(f, """
                    status = warn
                    appender.console.type = Console
                    appender.console.name = STDOUT
                    appender.console.layout.type = PatternLayout
                    appender.console.layout.pattern = [%d] %p %m (%c)%n
                    rootLogger.level = warn
                    rootLogger.appenderRef.stdout.ref = STDOUT
                    logger.kafka.name = kafka.server.KafkaRaftServer
                    logger.kafka.level = info
                    """);
        }
        return f;
    }

    Admin admin(Broker b) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        return Admin.create(p);
    }

    void awaitReady(Broker b) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!b.process.isAlive()) {
                throw new IllegalStateException(b.name + " broker exited with " + b.process.exitValue() + "; see its log in " + work);
            }
            try (Admin a = admin(b)) {
                a.describeCluster().nodes().get(10, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw new IllegalStateException(b.name + " broker did not become ready in 120 s", last);
    }

    void createTopic(Broker b, String topic, String flushMessages) throws Exception {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put("flush.messages", flushMessages);
        try (Admin a = admin(b)) {
            a.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get(30, TimeUnit.SECONDS);
        }
    }

    void stop(Broker b) {
        if (b == null) {
            return;
        }
        b.process.destroy();
        try {
            if (!b.process.waitFor(30, TimeUnit.SECONDS)) {
                b.process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** utime + stime of a process, in seconds. */
    double cpuSeconds(Broker b) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(b.pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ": state is field 3, utime field 14, stime field 15 (1-based in proc(5))
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) clkTck;
    }

    /**
     * CPU of this JVM's children that have exited and been reaped (cutime + cstime of /proc/self/stat), in seconds.
     * The brokers run until the end, so the difference around one tool run is that tool's own CPU.
     */
    double reapedChildrenCpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ": cutime is field 16, cstime field 17 (1-based in proc(5))
        return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / (double) clkTck;
    }

    static String loadAverage() {
        try {
            String[] la = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return la[0] + " " + la[1] + " " + la[2];
        } catch (IOException e) {
            return "?";
        }
    }

    // -------------------------------------------------------------------------------------------------- tools

    /** Parsed figures of one run plus the broker's CPU-seconds it took. */
    static final class Result extends LinkedHashMap<String, Double> {
        private static final long serialVersionUID = 1L;

        double get(String k) {
            Double v = super.get(k);
            return v == null ? Double.NaN : v;
        }
    }

    List<String> tool(String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        cmd.addAll(TOOL_JVM);
        cmd.add("-Dlog4j2.configurationFile=" + writeLog4j().toAbsolutePath());
        cmd.addAll(List.of("-cp", peerClasspath, mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    List<String> producerPerf(Broker b, String topic, long n, int size, String acks) throws IOException {
        return tool("org.apache.kafka.tools.ProducerPerformance", "--bootstrap-server", b.bootstrap, "--topic", topic,
                "--num-records", Long.toString(n), "--record-size", Integer.toString(size), "--throughput", "-1",
                "--reporting-interval", "600000", "--command-property", "acks=" + acks);
    }

    /** Runs a tool to completion; returns its stdout and stores the broker CPU it cost under "cpu" and wall time under "wall". */
    String runTool(Broker b, String what, List<String> cmd) throws Exception {
        Path logFile = work.resolve(b.name.toLowerCase(Locale.ROOT) + "-" + what.replaceAll("[^A-Za-z0-9-]", "_") + ".log");
        double cpu0 = cpuSeconds(b);
        double tool0 = reapedChildrenCpuSeconds();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(what + " on " + b.name + " did not finish in 15 minutes; see " + logFile);
        }
        lastCpu = cpuSeconds(b) - cpu0;
        lastToolCpu = reapedChildrenCpuSeconds() - tool0;
        lastWall = (System.nanoTime() - t0) / 1e9;
        String output = Files.readString(logFile);
        if (p.exitValue() != 0) {
            throw new IllegalStateException(what + " on " + b.name + " exited with " + p.exitValue() + ":\n" + output);
        }
        return output;
    }

    double lastCpu;
    double lastToolCpu;
    double lastWall;

    private static final Pattern PRODUCED = Pattern.compile("(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\), "
            + "([\\d.]+) ms avg latency, ([\\d.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th, (\\d+) ms 99.9th");

    Result produce(Broker b, String topic, long n, int size, String acks) throws Exception {
        String outText = runTool(b, topic, producerPerf(b, topic, n, size, acks));
        Matcher m = PRODUCED.matcher(outText);
        Result r = null;
        while (m.find()) {
            r = new Result();
            r.put("rps", Double.parseDouble(m.group(2)));
            r.put("mbps", Double.parseDouble(m.group(3)));
            r.put("avg", Double.parseDouble(m.group(4)));
            r.put("p50", Double.parseDouble(m.group(6)));
            r.put("p99", Double.parseDouble(m.group(8)));
        }
        if (r == null) {
            throw new IllegalStateException("No summary from ProducerPerformance on " + b.name + ":\n" + outText);
        }
        r.put("cpu", lastCpu);
        progress(b, topic, r);
        return r;
    }

    /** A client-level consumer metric ({@code group:name}) as ConsumerPerformance's --print-metrics shows it. */
    private static Pattern clientMetric(String group, String name) {
        return Pattern.compile(group + ":" + name + ":\\{client-id=[^,}]*\\}\\s*:\\s*([\\d.]+)");
    }

    private static final Map<String, Pattern> CLIENT_METRICS = Map.of(
            "fetchLatency", clientMetric("consumer-fetch-manager-metrics", "fetch-latency-avg"),
            "fetchTotal", clientMetric("consumer-fetch-manager-metrics", "fetch-total"),
            "fetchSizeAvg", clientMetric("consumer-fetch-manager-metrics", "fetch-size-avg"),
            "recordsPerRequest", clientMetric("consumer-fetch-manager-metrics", "records-per-request-avg"),
            "networkIo", clientMetric("consumer-metrics", "network-io-total"));

    /**
     * The consumer tool's CPU for start-up, group join and its first fetch, per broker: a run that reads one record.
     * Subtracted from each run's tool CPU so that the per-record figure is the fetch loop's own cost.
     */
    final Map<String, Double> toolStartupCpu = new LinkedHashMap<>();

    Result consume(Broker b, String topic, long n) throws Exception {
        String group = "perf-" + topic + "-" + System.nanoTime();
        String outText = runTool(b, "consume-" + topic, tool("org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server",
                b.bootstrap, "--topic", topic, "--num-records", Long.toString(n), "--group", group, "--timeout", "60000",
                "--print-metrics"));
        String[] lines = outText.split("\n");
        Result r = new Result();
        for (int i = 0; i < lines.length - 1; i++) {
            if (lines[i].startsWith("start.time")) {
                String[] h = lines[i].split(",\\s*");
                String[] v = lines[i + 1].split(",\\s*");
                for (int k = 2; k < h.length && k < v.length; k++) {
                    r.put(h[k].trim(), Double.parseDouble(v[k].trim()));
                }
            }
        }
        CLIENT_METRICS.forEach((key, pattern) -> {
            Matcher fm = pattern.matcher(outText);
            if (fm.find()) {
                r.put(key, Double.parseDouble(fm.group(1)));
            }
        });
        if (r.isEmpty()) {
            throw new IllegalStateException("No figures from ConsumerPerformance on " + b.name + ":\n" + outText);
        }
        if (r.get("data.consumed.in.nMsg") < n) {
            throw new IllegalStateException(b.name + ": consumed " + r.get("data.consumed.in.nMsg") + " of " + n + " records");
        }
        r.put("rps", r.get("fetch.nMsg.sec"));
        r.put("mbps", r.get("fetch.MB.sec"));
        r.put("cpu", lastCpu);
        r.put("toolCpu", lastToolCpu);
        progress(b, "consume " + topic, r);
        return r;
    }

    private static final Pattern E2E_AVG = Pattern.compile("Avg latency: ([\\d.]+) ms");
    private static final Pattern E2E_PCT = Pattern.compile("Percentiles: 50th = (\\d+), 99th = (\\d+), 99.9th = (\\d+)");

    Result endToEnd(Broker b, String topic) throws Exception {
        String outText = runTool(b, "e2e-tool", tool("org.apache.kafka.tools.EndToEndLatency", "--bootstrap-server", b.bootstrap,
                "--topic", topic, "--num-records", Integer.toString(e2eRecords), "--producer-acks", "1", "--record-size", "100"));
        Matcher avg = E2E_AVG.matcher(outText);
        Matcher pct = E2E_PCT.matcher(outText);
        if (!avg.find() || !pct.find()) {
            throw new IllegalStateException("No figures from EndToEndLatency on " + b.name + ":\n" + outText);
        }
        Result r = new Result();
        r.put("avg", Double.parseDouble(avg.group(1)));
        r.put("p50", Double.parseDouble(pct.group(1)));
        r.put("p99", Double.parseDouble(pct.group(2)));
        r.put("p999", Double.parseDouble(pct.group(3)));
        r.put("cpu", lastCpu);
        progress(b, "EndToEndLatency", r);
        return r;
    }

    private static final Pattern PROBE = Pattern.compile("probe records=\\d+ avg_us=(\\d+) p50_us=(\\d+) p99_us=(\\d+) p999_us=(\\d+) max_us=(\\d+)");

    Result probe(Broker b, String topic) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        cmd.addAll(TOOL_JVM);
        cmd.add("-Dlog4j2.configurationFile=" + writeLog4j().toAbsolutePath());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), LatencyProbe.class.getName(), b.bootstrap, topic,
                Integer.toString(e2eRecords), "1", "100", Integer.toString(Math.max(200, e2eRecords / 10))));
        String outText = runTool(b, "e2e-probe", cmd);
        Matcher m = PROBE.matcher(outText);
        if (!m.find()) {
            throw new IllegalStateException("No figures from LatencyProbe on " + b.name + ":\n" + outText);
        }
        Result r = new Result();
        r.put("avg", Double.parseDouble(m.group(1)) / 1000);
        r.put("p50", Double.parseDouble(m.group(2)) / 1000);
        r.put("p99", Double.parseDouble(m.group(3)) / 1000);
        r.put("p999", Double.parseDouble(m.group(4)) / 1000);
        r.put("max", Double.parseDouble(m.group(5)) / 1000);
        r.put("cpu", lastCpu);
        progress(b, "LatencyProbe", r);
        return r;
    }

    void progress(Broker b, String what, Result r) {
        System.out.printf(Locale.ROOT, "  .. %-6s %-24s %s broker-cpu=%.2fs tool-cpu=%.2fs wall=%.1fs load=%s%n", b.name, what, r,
                r.get("cpu"), lastToolCpu, lastWall, loadAverage());
        System.out.flush();
    }

    // ------------------------------------------------------------------------------------------------ report

    /** One line of the table: a figure for each broker, the ratio, and a target (null: informational). */
    record Row(String label, String cairn, String kafka, double ratio, String target, Boolean pass) {
        static Row info(String label, String text) {
            return new Row(label, text, null, Double.NaN, null, null);
        }
    }

    double cpuPerMillion(Result r, long n) {
        return r.get("cpu") / (n / 1e6);
    }

    void addProduceRows(String label, Map<Broker, Result> res, long n) {
        Result c = res.get(cairn);
        Result k = res.get(kafka);
        rows.add(ratioRow(label + "  records/s", c.get("rps"), k.get("rps"), 0, true));
        rows.add(new Row("    MB/s", fmt(c.get("mbps"), 2), fmt(k.get("mbps"), 2), c.get("mbps") / k.get("mbps"), null, null));
        rows.add(new Row("    producer latency p50 / p99 ms", fmt(c.get("p50"), 0) + " / " + fmt(c.get("p99"), 0),
                fmt(k.get("p50"), 0) + " / " + fmt(k.get("p99"), 0), c.get("p99") / k.get("p99"), null, null));
        rows.add(ratioRow("    broker CPU-s per M records", cpuPerMillion(c, n), cpuPerMillion(k, n), 2, false));
    }

    void addConsumeRows(String label, Map<Broker, Result> res, long n) {
        Result c = res.get(cairn);
        Result k = res.get(kafka);
        rows.add(ratioRow(label + "  records/s (fetch)", c.get("rps"), k.get("rps"), 0, true));
        rows.add(new Row("    MB/s (fetch)", fmt(c.get("mbps"), 2), fmt(k.get("mbps"), 2), c.get("mbps") / k.get("mbps"), null, null));
        rows.add(new Row("    consumer fetch latency avg ms", fmt(c.get("fetchLatency"), 2), fmt(k.get("fetchLatency"), 2),
                c.get("fetchLatency") / k.get("fetchLatency"), null, null));
        rows.add(new Row("    rebalance ms (group join)", fmt(c.get("rebalance.time.ms"), 0), fmt(k.get("rebalance.time.ms"), 0),
                Double.NaN, null, null));
        rows.add(ratioRow("    broker CPU-s per M records", cpuPerMillion(c, n), cpuPerMillion(k, n), 2, false));
        // The client's cost, not the broker's: informational (a quick run's figure moves by +-1.5 CPU-s/M with load).
        double ct = toolCpuPerMillion(cairn, c, n);
        double kt = toolCpuPerMillion(kafka, k, n);
        rows.add(new Row("    consumer tool CPU-s per M records (less start-up)", fmt(ct, 2), fmt(kt, 2), ct / kt, null, null));
        rows.add(new Row("    fetches per M records", fmt(c.get("fetchTotal") / (n / 1e6), 0),
                fmt(k.get("fetchTotal") / (n / 1e6), 0), c.get("fetchTotal") / k.get("fetchTotal"), null, null));
        rows.add(new Row("    fetch response KB avg / records per fetch", fmt(c.get("fetchSizeAvg") / 1024, 0) + " / "
                + fmt(c.get("recordsPerRequest"), 0), fmt(k.get("fetchSizeAvg") / 1024, 0) + " / " + fmt(k.get("recordsPerRequest"), 0),
                c.get("fetchSizeAvg") / k.get("fetchSizeAvg"), null, null));
        rows.add(new Row("    consumer socket reads+writes per fetch", fmt(c.get("networkIo") / c.get("fetchTotal"), 1),
                fmt(k.get("networkIo") / k.get("fetchTotal"), 1),
                (c.get("networkIo") / c.get("fetchTotal")) / (k.get("networkIo") / k.get("fetchTotal")), null, null));
    }

    double toolCpuPerMillion(Broker b, Result r, long n) {
        return (r.get("toolCpu") - toolStartupCpu.getOrDefault(b.name, 0.0)) / (n / 1e6);
    }

    void addLatencyRows(Map<Broker, Result> tool, Map<Broker, Result> probe) {
        Result ct = tool.get(cairn);
        Result kt = tool.get(kafka);
        rows.add(new Row("e2e EndToEndLatency (whole ms; fetch.max.wait.ms=0) p50 / p99 / p99.9",
                fmt(ct.get("p50"), 0) + " / " + fmt(ct.get("p99"), 0) + " / " + fmt(ct.get("p999"), 0),
                fmt(kt.get("p50"), 0) + " / " + fmt(kt.get("p99"), 0) + " / " + fmt(kt.get("p999"), 0),
                ct.get("p99") / kt.get("p99"), "<= 1.0", ct.get("p99") <= kt.get("p99")));
        rows.add(new Row("    avg ms", fmt(ct.get("avg"), 3), fmt(kt.get("avg"), 3), ct.get("avg") / kt.get("avg"), null, null));
        Result cp = probe.get(cairn);
        Result kp = probe.get(kafka);
        rows.add(new Row("e2e nanoTime probe (long poll) p50 / p99 / p99.9 ms",
                fmt(cp.get("p50"), 3) + " / " + fmt(cp.get("p99"), 3) + " / " + fmt(cp.get("p999"), 3),
                fmt(kp.get("p50"), 3) + " / " + fmt(kp.get("p99"), 3) + " / " + fmt(kp.get("p999"), 3),
                cp.get("p99") / kp.get("p99"), "<= 1.0", cp.get("p99") <= kp.get("p99")));
        rows.add(new Row("    avg / max ms", fmt(cp.get("avg"), 3) + " / " + fmt(cp.get("max"), 1),
                fmt(kp.get("avg"), 3) + " / " + fmt(kp.get("max"), 1), cp.get("avg") / kp.get("avg"), null, null));
        rows.add(ratioRow("    broker CPU-s per M round trips", cpuPerMillion(cp, e2eRecords), cpuPerMillion(kp, e2eRecords), 1, false));
    }

    /** higherIsBetter: the target is ratio >= 1 (throughput); otherwise ratio <= 1 (CPU). */
    Row ratioRow(String label, double c, double k, int decimals, boolean higherIsBetter) {
        double ratio = c / k;
        boolean pass = higherIsBetter ? ratio >= 1.0 : ratio <= 1.0;
        return new Row(label, fmt(c, decimals), fmt(k, decimals), ratio, higherIsBetter ? ">= 1.0" : "<= 1.0", pass);
    }

    static String fmt(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    void printTable() {
        out("");
        out(String.format(Locale.ROOT, "%-72s %20s %20s %11s  %s", "", "Cairn", "Kafka 4.4.0", "Cairn/Kafka", "target"));
        int pass = 0;
        int miss = 0;
        for (Row r : rows) {
            if (r.kafka == null) {
                out(String.format(Locale.ROOT, "%-72s %s", r.label, r.cairn));
                continue;
            }
            String verdict = r.target == null ? "" : r.target + "  " + (r.pass ? "PASS" : "MISS");
            if (r.pass != null) {
                if (r.pass) {
                    pass++;
                } else {
                    miss++;
                }
            }
            out(String.format(Locale.ROOT, "%-72s %20s %20s %11s  %s", r.label, r.cairn, r.kafka,
                    Double.isNaN(r.ratio) || Double.isInfinite(r.ratio) ? "-" : fmt(r.ratio, 2), verdict));
        }
        out("");
        out("targets: " + pass + " PASS, " + miss + " MISS; load average at the end " + loadAverage()
                + " (2 shared cores: figures move with other load; compare ratios, rerun before trusting one MISS)");
    }

    void out(String line) {
        System.out.println(line);
        System.out.flush();
        report.append(line).append('\n');
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
