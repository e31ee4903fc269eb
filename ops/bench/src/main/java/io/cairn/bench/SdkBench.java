package io.cairn.bench;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.LogEventStore;
import io.cairn.sdk.aggregate.EventSourcedRepository;
import io.cairn.sdk.aggregate.LoadedAggregate;
import io.cairn.sdk.command.EventSourcingCommandGateway;
import io.cairn.sdk.example.bank.AccountOpened;
import io.cairn.sdk.example.bank.BankAccount;
import io.cairn.sdk.example.bank.Deposit;
import io.cairn.sdk.example.bank.MoneyDeposited;
import io.cairn.sdk.example.bank.OpenAccount;
import io.cairn.sdk.serialization.EventSerializer;
import io.cairn.sdk.serialization.StateMapper;
import io.cairn.sdk.snapshot.SnapshotStore;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The Cairn side of {@code ops/bench/run sdk}: the bank example through the domain SDK's command gateway on the log
 * engine in this JVM (LogEventStore; every append fsynced before it is acknowledged, concurrent appends share an
 * fsync). Prints its figures and writes {@code key value} lines to {@code --out} for sdk.sh to set beside Axon's.
 *
 * <ol>
 *   <li>hot: one aggregate, one writer, synchronous deposits one after another;</li>
 *   <li>concurrent: 16 writer threads over 10,000 accounts (each writer owns 1/16 of them and walks them round
 *       robin), each writer keeping up to {@code --inflight} asynchronous commands in flight; also the same with one
 *       synchronous command per writer ({@code send}, like Axon's {@code sendAndWait}: "16 sync");</li>
 *   <li>append: raw event-store appends, 16 writers, one synchronous append of one event at a time;</li>
 *   <li>load: accounts with 10, 1,000 and 10,000 events, loaded from all events and from a snapshot at the last
 *       event.</li>
 * </ol>
 */
public final class SdkBench {

    private final boolean quick;
    private final int inflight;
    private final int partitions;
    private final Path dir;
    private final PrintStream results;
    private final List<String> phases;
    private TimedEventStore timed;
    private LogEngine engine;

    private SdkBench(boolean quick, int inflight, int partitions, Path dir, PrintStream results, List<String> phases) {
        this.phases = phases;
        this.quick = quick;
        this.inflight = inflight;
        this.partitions = partitions;
        this.dir = dir;
        this.results = results;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        int inflight = 32;
        int partitions = 4;
        Path dir = Path.of("ops/bench/target/sdk-data");
        Path out = null;
        List<String> phases = List.of("hot", "concurrent", "sync", "append", "load");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--inflight" -> inflight = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--phases" -> phases = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --quick --inflight N --partitions N --dir PATH --out FILE"
                        + " --phases hot,concurrent,sync,append,load)");
            }
        }
        deleteTree(dir);
        Files.createDirectories(dir);
        try (PrintStream results = out == null ? new PrintStream(PrintStream.nullOutputStream()) : new PrintStream(out.toFile())) {
            new SdkBench(quick, inflight, partitions, dir, results, phases).run();
        } finally {
            deleteTree(dir);
        }
    }

    private void run() throws Exception {
        try (LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir).build())) {
            this.engine = engine;
            LogEventStore store = LogEventStore.of(engine);
            timed = new TimedEventStore(store);
            EventSourcingCommandGateway gateway = EventSourcingCommandGateway.builder(timed)
                    .register(BankAccount.class).partitions(partitions).build();
            System.out.printf("Cairn domain-sdk: LogEventStore in-process, %d partitions, every append fsynced before ack%n",
                    partitions);
            if (phases.contains("hot")) {
                hot(gateway, quick ? 500 : 3_000);
            }
            int accounts = 10_000;
            long seconds = quick ? 5 : 15;
            if (phases.contains("concurrent") || phases.contains("sync")) {
                openAccounts(gateway, accounts);
            }
            if (phases.contains("concurrent")) {
                concurrent(gateway, accounts, 16, inflight, seconds, "concurrent");
            }
            if (phases.contains("sync")) {
                concurrent(gateway, accounts, 16, 1, seconds, "concurrent.sync");
            }
            if (phases.contains("append")) {
                appends(gateway.serializer(), accounts, 16, seconds, 1, "append.sync");
                appends(gateway.serializer(), accounts, 16, seconds, inflight, "append.pipelined");
            }
            if (phases.contains("load")) {
                load(store, gateway);
            }
        }
    }

    private void hot(EventSourcingCommandGateway gateway, int commands) {
        gateway.send(new OpenAccount("hot", "hot", 0));
        for (int i = 0; i < commands / 5; i++) { // warm-up
            gateway.send(new Deposit("hot", 1));
        }
        Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        timed.appendLatencies(); // drop the warm-up's
        long start = System.nanoTime();
        for (int i = 0; i < commands; i++) {
            long t0 = System.nanoTime();
            gateway.send(new Deposit("hot", 1));
            latency.recordValue(System.nanoTime() - t0);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        report("hot", commands / seconds, latency, "1 aggregate, 1 writer, sync");
    }

    private void openAccounts(EventSourcingCommandGateway gateway, int accounts) {
        long start = System.nanoTime();
        Semaphore window = new Semaphore(1024);
        List<CompletableFuture<Object>> all = new ArrayList<>(accounts);
        for (int a = 0; a < accounts; a++) {
            window.acquireUninterruptibly();
            CompletableFuture<Object> f = gateway.sendAsync(new OpenAccount(account(a), "owner-" + a, 1_000));
            f.whenComplete((r, e) -> window.release());
            all.add(f);
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        System.out.printf("  opened %,d accounts in %.1f s%n", accounts, (System.nanoTime() - start) / 1e9);
    }

    private static String account(int a) {
        return "acc-" + a;
    }

    private void concurrent(EventSourcingCommandGateway gateway, int accounts, int writers, int window, long seconds,
                            String key) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.min(3, seconds));
        long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
        long[] measuredStart = new long[1];
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                Semaphore slots = new Semaphore(window);
                int next = writer;
                while (window == 1 && System.nanoTime() < end) { // one synchronous command at a time, as Axon's writers
                    long t0 = System.nanoTime();
                    try {
                        gateway.send(new Deposit(account(next), 1));
                        if (t0 >= warmupEnd) {
                            recorder.recordValue(System.nanoTime() - t0);
                            done.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                    next += writers;
                    if (next >= accounts) {
                        next = writer;
                    }
                }
                while (System.nanoTime() < end) {
                    slots.acquireUninterruptibly();
                    long t0 = System.nanoTime();
                    boolean measured = t0 >= warmupEnd;
                    gateway.sendAsync(new Deposit(account(next), 1)).whenComplete((r, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                        } else if (measured) {
                            recorder.recordValue(System.nanoTime() - t0);
                            done.incrementAndGet();
                        }
                        slots.release();
                    });
                    next += writers;
                    if (next >= accounts) {
                        next = writer;
                    }
                }
                slots.acquireUninterruptibly(window);
            }, "writer-" + w);
            threads.add(t);
            t.start();
        }
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(warmupEnd - System.nanoTime())));
        measuredStart[0] = System.nanoTime();
        long cpu0 = processCpuNanos();
        long fsyncs0 = fsyncs();
        long[] ticks0 = userSysTicks();
        recorder.reset();
        timed.appendLatencies(); // drop the warm-up's
        done.set(0);
        for (Thread t : threads) {
            t.join();
        }
        double elapsed = (System.nanoTime() - measuredStart[0]) / 1e9;
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " commands failed in " + key);
        }
        System.out.printf("  %-16s process CPU %.1f us per command (%s), %.1f commands per fsync%n", key,
                (processCpuNanos() - cpu0) / 1e3 / done.get(), userSys(ticks0), done.get() / (double) Math.max(1, fsyncs() - fsyncs0));
        report(key, done.get() / elapsed, recorder.getIntervalHistogram(),
                writers + " writers over " + accounts + " aggregates, " + window + " in flight per writer");
    }

    /**
     * Raw event-store appends, no command handling: 16 threads, each appending one MoneyDeposited at a time
     * (synchronously, conditional on the aggregate's last sequence, serialized per append) round robin over its own
     * 1/16 of 10,000 fresh aggregates. Axon's side appends through its EventStore in one unit of work per event.
     */
    private void appends(EventSerializer serializer, int aggregates, int writers, long seconds, int window, String key)
            throws InterruptedException {
        Recorder recorder = new Recorder(3);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.min(3, seconds));
        long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                long[] last = new long[(aggregates + writers - 1) / writers];
                java.util.Arrays.fill(last, EventStore.NEW_AGGREGATE);
                if (window > 1) {
                    pipelinedAppends(serializer, aggregates, writers, writer, window, key, end, warmupEnd, recorder, done, failed);
                    return;
                }
                int slot = 0;
                while (System.nanoTime() < end) {
                    String id = key + "-" + (writer + slot * writers);
                    long t0 = System.nanoTime();
                    try {
                        EventData event = serializer.serialize(new MoneyDeposited(id, 1, null), Map.of());
                        last[slot] = timed.append(BankAccount.TOPIC, id, last[slot], List.of(event)).lastSequence();
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                    if (t0 >= warmupEnd) {
                        recorder.recordValue(System.nanoTime() - t0);
                        done.incrementAndGet();
                    }
                    slot++;
                    if (writer + slot * writers >= aggregates) {
                        slot = 0;
                    }
                }
            }, "appender-" + w);
            threads.add(t);
            t.start();
        }
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(warmupEnd - System.nanoTime())));
        long measuredStart = System.nanoTime();
        long cpu0 = processCpuNanos();
        long fsyncs0 = fsyncs();
        long[] ticks0 = userSysTicks();
        recorder.reset();
        timed.appendLatencies();
        done.set(0);
        for (Thread t : threads) {
            t.join();
        }
        double elapsed = (System.nanoTime() - measuredStart) / 1e9;
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " appends failed");
        }
        Histogram latency = recorder.getIntervalHistogram();
        timed.appendLatencies();
        System.out.printf("  %-16s process CPU %.1f us per append (%s), %.1f appends per fsync%n", key,
                (processCpuNanos() - cpu0) / 1e3 / done.get(), userSys(ticks0), done.get() / (double) Math.max(1, fsyncs() - fsyncs0));
        System.out.printf("  %-16s %,10.0f appends/s    latency p50 %7.3f ms  p99 %7.3f ms   (%d writers over %d fresh"
                        + " aggregates, 1 event per append, %s)%n", key, done.get() / elapsed,
                ms(latency.getValueAtPercentile(50)), ms(latency.getValueAtPercentile(99)), writers, aggregates,
                window == 1 ? "sync" : window + " async appends in flight per writer");
        results.printf("%s.tput %.1f%n%s.p50 %.4f%n%s.p99 %.4f%n", key, done.get() / elapsed, key,
                ms(latency.getValueAtPercentile(50)), key, ms(latency.getValueAtPercentile(99)));
    }

    /**
     * One writer of the pipelined append phase: up to {@code window} appendAsync calls in flight, round robin over the
     * writer's aggregates; an aggregate's next append waits for its previous one (it needs its last sequence).
     */
    private void pipelinedAppends(EventSerializer serializer, int aggregates, int writers, int writer, int window,
                                  String key, long end, long warmupEnd, Recorder recorder, AtomicLong done, AtomicLong failed) {
        int mine = (aggregates - writer + writers - 1) / writers;
        java.util.concurrent.atomic.AtomicLongArray last = new java.util.concurrent.atomic.AtomicLongArray(mine);
        java.util.concurrent.atomic.AtomicIntegerArray busy = new java.util.concurrent.atomic.AtomicIntegerArray(mine);
        for (int i = 0; i < mine; i++) {
            last.set(i, EventStore.NEW_AGGREGATE);
        }
        Semaphore slots = new Semaphore(window);
        int slot = 0;
        while (System.nanoTime() < end) {
            while (busy.get(slot) != 0) {
                Thread.onSpinWait(); // the previous append of this aggregate is still in flight
            }
            slots.acquireUninterruptibly();
            busy.set(slot, 1);
            String id = key + "-" + (writer + slot * writers);
            int s = slot;
            long t0 = System.nanoTime();
            EventData event = serializer.serialize(new MoneyDeposited(id, 1, null), Map.of());
            timed.appendAsync(BankAccount.TOPIC, id, last.get(s), List.of(event)).whenComplete((r, e) -> {
                if (e != null) {
                    failed.incrementAndGet();
                } else {
                    last.set(s, r.lastSequence());
                    if (t0 >= warmupEnd) {
                        recorder.recordValue(System.nanoTime() - t0);
                        done.incrementAndGet();
                    }
                }
                busy.set(s, 0);
                slots.release();
            });
            slot = (slot + 1) % mine;
        }
        slots.acquireUninterruptibly(window);
    }

    private void load(LogEventStore store, EventSourcingCommandGateway gateway) {
        EventSerializer serializer = gateway.serializer();
        SnapshotStore snapshots = new SnapshotStore(store, new StateMapper(), partitions);
        EventSourcedRepository<BankAccount> repository = gateway.repository(BankAccount.TOPIC);
        int[] sizes = {10, 1_000, 10_000};
        for (int size : sizes) {
            for (String kind : List.of("events", "snapshot")) {
                String id = "load-" + size + "-" + kind;
                populate(store, serializer, id, size);
                if (kind.equals("snapshot")) {
                    LoadedAggregate<BankAccount> full = repository.load(id, false);
                    snapshots.storeAsync(BankAccount.TOPIC, id, snapshots.toRecord(full.state(), full.lastSequence())).join();
                }
            }
        }
        for (int size : sizes) {
            for (String kind : List.of("events", "snapshot")) {
                String id = "load-" + size + "-" + kind;
                boolean useSnapshot = kind.equals("snapshot");
                int reps = quick ? Math.max(20, 50_000 / size) : Math.max(50, 200_000 / size);
                int warmup = Math.max(reps, (quick ? 200_000 : 400_000) / size); // the JIT sees ~the same events either way
                for (int i = 0; i < warmup; i++) {
                    repository.load(id, useSnapshot);
                }
                Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
                for (int i = 0; i < reps; i++) {
                    long t0 = System.nanoTime();
                    LoadedAggregate<BankAccount> loaded = repository.load(id, useSnapshot);
                    latency.recordValue(System.nanoTime() - t0);
                    if (loaded.lastSequence() != size - 1 || loaded.fromSnapshot() != useSnapshot) {
                        throw new IllegalStateException("loaded " + id + " wrong: " + loaded);
                    }
                }
                String key = "load." + size + "." + kind;
                String readOnly = "";
                if (!useSnapshot) { // how much of it is the event store's read (the rest: JSON and the handlers)
                    Histogram read = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
                    for (int i = 0; i < reps; i++) {
                        long t0 = System.nanoTime();
                        store.read(BankAccount.TOPIC, id, 0);
                        read.recordValue(System.nanoTime() - t0);
                    }
                    readOnly = String.format(", of which EventStore.read p50 %.3f ms", ms(read.getValueAtPercentile(50)));
                }
                System.out.printf("  %-22s p50 %8.3f ms  p99 %8.3f ms  (%d loads%s)%n", key, ms(latency.getValueAtPercentile(50)),
                        ms(latency.getValueAtPercentile(99)), reps, readOnly);
                results.printf("%s.p50 %.4f%n%s.p99 %.4f%n", key, ms(latency.getValueAtPercentile(50)), key,
                        ms(latency.getValueAtPercentile(99)));
            }
        }
    }

    /** Writes an account with {@code events} events straight to the store, 100 per append. */
    private static void populate(LogEventStore store, EventSerializer serializer, String id, int events) {
        List<EventData> batch = new ArrayList<>();
        batch.add(serializer.serialize(new AccountOpened(id, "owner", 0), Map.of()));
        long last = EventStore.NEW_AGGREGATE;
        for (int i = 1; i < events; i++) {
            batch.add(serializer.serialize(new MoneyDeposited(id, i, null), Map.of()));
            if (batch.size() == 100) {
                last = store.append(BankAccount.TOPIC, id, last, batch).lastSequence();
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            store.append(BankAccount.TOPIC, id, last, batch);
        }
    }

    private void report(String key, double perSecond, Histogram latency, String what) {
        Histogram append = timed.appendLatencies();
        System.out.printf("  %-16s %,10.0f commands/s   latency p50 %7.3f ms  p99 %7.3f ms   (%s)%n", key, perSecond,
                ms(latency.getValueAtPercentile(50)), ms(latency.getValueAtPercentile(99)), what);
        System.out.printf("  %-16s %10s              append p50 %7.3f ms  p99 %7.3f ms   (call to durable, %,d appends)%n", "",
                "", ms(append.getValueAtPercentile(50)), ms(append.getValueAtPercentile(99)), append.getTotalCount());
        results.printf("%s.append.p50 %.4f%n%s.append.p99 %.4f%n", key, ms(append.getValueAtPercentile(50)), key,
                ms(append.getValueAtPercentile(99)));
        results.printf("%s.tput %.1f%n%s.p50 %.4f%n%s.p99 %.4f%n", key, perSecond, key,
                ms(latency.getValueAtPercentile(50)), key, ms(latency.getValueAtPercentile(99)));
    }

    /** Flush passes (fsyncs of the active segment) of the aggregate topic's partitions so far. */
    private long fsyncs() {
        long n = 0;
        try {
            for (int p = 0; p < partitions; p++) {
                n += engine.partition(BankAccount.TOPIC, p).flushCount();
            }
        } catch (IllegalAccessError olderEngine) { // run against an engine build without the public counter
            return 0;
        }
        return n;
    }

    /** User and system CPU ticks of this process (Linux /proc/self/stat), or zeros elsewhere. */
    private static long[] userSysTicks() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    private static String userSys(long[] before) {
        long[] now = userSysTicks();
        long user = now[0] - before[0];
        long sys = now[1] - before[1];
        return user + sys == 0 ? "user/sys unknown" : String.format("%.0f%% user, %.0f%% system", 100.0 * user / (user + sys),
                100.0 * sys / (user + sys));
    }

    /** CPU time of this JVM (all threads), to compare work per command independently of the machine's load. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
