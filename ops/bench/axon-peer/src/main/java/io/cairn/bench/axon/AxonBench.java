package io.cairn.bench.axon;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.commandhandling.SimpleCommandBus;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.jdbc.DataSourceConnectionProvider;
import org.axonframework.common.jdbc.UnitOfWorkAwareConnectionProviderWrapper;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.common.transaction.Transaction;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.AggregateSnapshotter;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.eventsourcing.EventSourcingRepository;
import org.axonframework.eventsourcing.GenericAggregateFactory;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.PostgresEventTableFactory;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.modelling.command.AggregateAnnotationCommandHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.serialization.json.JacksonSerializer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * The Axon Framework 4.13.0 side of {@code ops/bench/run sdk}: the same bank domain as Cairn's example (open,
 * deposit; same rules), on Axon without Spring: SimpleCommandBus, AggregateAnnotationCommandHandler,
 * EventSourcingRepository, EmbeddedEventStore on JdbcEventStorageEngine (PostgresEventTableFactory) on the local
 * PostgreSQL, database {@code sdk_axonbench} (created and dropped by this run), JacksonSerializer. One unit of work
 * and one PostgreSQL transaction per command: acknowledged only after COMMIT (synchronous_commit on = WAL fsynced).
 * Snapshots every 100 events through Axon's AggregateSnapshotter, as Cairn's BankAccount does.
 * Workloads and output keys are those of Cairn's SdkBench.
 */
public final class AxonBench {

    // ---- the domain, as in io.cairn.sdk.example.bank

    public static final class OpenAccount {
        @TargetAggregateIdentifier
        private final String accountId;
        private final String owner;
        private final long overdraftLimit;

        public OpenAccount(String accountId, String owner, long overdraftLimit) {
            this.accountId = accountId;
            this.owner = owner;
            this.overdraftLimit = overdraftLimit;
        }
    }

    public static final class Deposit {
        @TargetAggregateIdentifier
        private final String accountId;
        private final long amount;

        public Deposit(String accountId, long amount) {
            this.accountId = accountId;
            this.amount = amount;
        }
    }

    public record AccountOpened(String accountId, String owner, long overdraftLimit) { }

    public record MoneyDeposited(String accountId, long amount, String transferId) { }

    public static class Account {
        @AggregateIdentifier
        private String accountId;
        private String owner;
        private long overdraftLimit;
        private long balance;
        private boolean closed;

        public Account() { }

        @CommandHandler
        public Account(OpenAccount c) {
            if (c.accountId == null || c.accountId.isBlank() || c.owner == null || c.overdraftLimit < 0) {
                throw new IllegalArgumentException("invalid OpenAccount");
            }
            apply(new AccountOpened(c.accountId, c.owner, c.overdraftLimit));
        }

        @CommandHandler
        public long handle(Deposit c) {
            if (c.amount <= 0) {
                throw new IllegalArgumentException("amount must be > 0");
            }
            if (closed) {
                throw new IllegalStateException("closed");
            }
            Math.addExact(balance, c.amount);
            apply(new MoneyDeposited(accountId, c.amount, null));
            return balance;
        }

        @EventSourcingHandler
        public void on(AccountOpened e) {
            accountId = e.accountId();
            owner = e.owner();
            overdraftLimit = e.overdraftLimit();
        }

        @EventSourcingHandler
        public void on(MoneyDeposited e) {
            balance += e.amount();
        }
    }

    // ---- the run

    private final boolean quick;
    private final PrintStream results;
    private final HikariDataSource dataSource;
    private final EmbeddedEventStore eventStore;
    private final EventSourcingRepository<Account> repository;
    /** For the load figures: no snapshot trigger, so loading the "events" accounts never snapshots them. */
    private final EventSourcingRepository<Account> plainRepository;
    private final CommandGateway gateway;
    private final ExecutorService snapshotThread;

    private final boolean cache;
    /** Threads (and connections) that run the pipelined phases' commands and appends: Axon's asynchronous bus. */
    private final int workers;
    private final int inflight;

    private AxonBench(boolean quick, boolean cache, int workers, int inflight, PrintStream results, String url) {
        this.cache = cache;
        this.workers = workers;
        this.inflight = inflight;
        this.quick = quick;
        this.results = results;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("postgres");
        config.setMaximumPoolSize(Math.max(24, workers + 2)); // + the snapshotter and a spare
        config.setAutoCommit(false);
        dataSource = new HikariDataSource(config);
        ConnectionProvider connections = new UnitOfWorkAwareConnectionProviderWrapper(new DataSourceConnectionProvider(dataSource));
        JacksonSerializer events = JacksonSerializer.builder()
                .objectMapper(new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)).build();
        JacksonSerializer snapshots = JacksonSerializer.builder().objectMapper(new ObjectMapper()
                .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
                .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)).build();
        JdbcEventStorageEngine engine = JdbcEventStorageEngine.builder()
                .connectionProvider(connections)
                .transactionManager(NoTransactionManager.INSTANCE)
                .eventSerializer(events)
                .snapshotSerializer(snapshots)
                .build();
        DefaultUnitOfWork.startAndGet(null).execute(() -> engine.createSchema(PostgresEventTableFactory.INSTANCE));
        eventStore = EmbeddedEventStore.builder().storageEngine(engine).build();
        // Snapshots are taken on their own thread in their own unit of work (so their own transaction), after the
        // command's commit, as Cairn's are: run inside the command's finished unit of work they would be rolled back.
        snapshotThread = Executors.newSingleThreadExecutor();
        TransactionManager ownUnitOfWork = () -> {
            DefaultUnitOfWork<?> uow = DefaultUnitOfWork.startAndGet(null);
            return new Transaction() {
                @Override public void commit() { uow.commit(); }
                @Override public void rollback() { uow.rollback(); }
            };
        };
        AggregateSnapshotter snapshotter = AggregateSnapshotter.builder().eventStore(eventStore)
                .aggregateFactories(new GenericAggregateFactory<>(Account.class))
                .executor(snapshotThread).transactionManager(ownUnitOfWork).build();
        EventSourcingRepository.Builder<Account> commands = EventSourcingRepository.builder(Account.class).eventStore(eventStore)
                .snapshotTriggerDefinition(new EventCountSnapshotTriggerDefinition(snapshotter, 100));
        if (cache) { // Axon's own aggregate cache (as Cairn's gateway caches states): loads skip the event store
            commands.cache(new org.axonframework.common.caching.WeakReferenceCache());
        }
        repository = commands.build();
        plainRepository = EventSourcingRepository.builder(Account.class).eventStore(eventStore).build();
        SimpleCommandBus bus = SimpleCommandBus.builder().build();
        AggregateAnnotationCommandHandler.<Account>builder().aggregateType(Account.class).repository(repository).build()
                .subscribe(bus);
        gateway = DefaultCommandGateway.builder().commandBus(bus).build();
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path out = null;
        List<String> phases = List.of("hot", "concurrent", "pipelined", "append", "load");
        boolean cache = false;
        int workers = 16;
        int inflight = 32;
        String server = "jdbc:postgresql://127.0.0.1:5432/";
        String db = "sdk_axonbench";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--phases" -> phases = List.of(args[++i].split(","));
                case "--cache" -> cache = true;
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--inflight" -> inflight = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --quick --cache --workers N --inflight N --out FILE"
                        + " --phases hot,concurrent,pipelined,append,load)");
            }
        }
        try (Connection admin = DriverManager.getConnection(server + "postgres", "postgres", "")) {
            admin.setAutoCommit(true);
            try (Statement s = admin.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + db);
                s.execute("CREATE DATABASE " + db);
                try (ResultSet r = s.executeQuery("SELECT current_setting('fsync'), current_setting('synchronous_commit')")) {
                    r.next();
                    System.out.printf("Axon Framework 4.13.0: JdbcEventStorageEngine on PostgreSQL (fsync=%s, synchronous_commit=%s),"
                            + " one transaction per command, acknowledged after COMMIT%n", r.getString(1), r.getString(2));
                }
            }
        }
        AxonBench bench = null;
        try (PrintStream results = out == null ? new PrintStream(PrintStream.nullOutputStream()) : new PrintStream(out.toFile())) {
            bench = new AxonBench(quick, cache, workers, inflight, results, server + db);
            bench.run(phases);
        } finally {
            if (bench != null) {
                bench.snapshotThread.shutdown();
                bench.snapshotThread.awaitTermination(1, TimeUnit.MINUTES);
                bench.eventStore.shutDown();
                bench.dataSource.close();
            }
            try (Connection admin = DriverManager.getConnection(server + "postgres", "postgres", "");
                 Statement s = admin.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + db);
            }
        }
    }

    private void run(List<String> phases) throws Exception {
        System.out.printf("  Hikari pool: %d connections, autocommit off; 16 writer threads (pipelined phases: run by %d threads); aggregate cache: %s%n",
                dataSource.getMaximumPoolSize(), workers, cache ? "WeakReferenceCache" : "none (Axon's default)");
        if (phases.contains("hot")) {
            hot(quick ? 500 : 3_000);
            System.out.printf("  after hot: snapshots %,d%n", count("snapshotevententry"));
        }
        int accounts = 10_000;
        if (phases.contains("concurrent") || phases.contains("pipelined")) {
            openAccounts(accounts, 16);
        }
        if (phases.contains("concurrent")) {
            concurrent(accounts, 16, quick ? 5 : 15);
        }
        if (phases.contains("pipelined")) {
            pipelined(accounts, 16, quick ? 5 : 15, false);
        }
        if (phases.contains("append")) {
            appends(accounts, 16, quick ? 5 : 15);
        }
        if (phases.contains("pipelined")) {
            pipelined(accounts, 16, quick ? 5 : 15, true);
        }
        if (phases.contains("load")) {
            load();
            checkLoadSnapshots();
        }
        System.out.printf("  rows in domainevententry: %,d, in snapshotevententry: %,d%n",
                count("domainevententry"), count("snapshotevententry"));
    }

    private long count(String table) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
            r.next();
            return r.getLong(1);
        }
    }

    private void hot(int commands) {
        gateway.sendAndWait(new OpenAccount("hot", "hot", 0));
        for (int i = 0; i < commands / 5; i++) {
            gateway.sendAndWait(new Deposit("hot", 1));
        }
        Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long start = System.nanoTime();
        for (int i = 0; i < commands; i++) {
            long t0 = System.nanoTime();
            gateway.sendAndWait(new Deposit("hot", 1));
            latency.recordValue(System.nanoTime() - t0);
        }
        report("hot", commands / ((System.nanoTime() - start) / 1e9), latency, "1 aggregate, 1 writer, sync");
    }

    private void openAccounts(int accounts, int writers) throws InterruptedException {
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                for (int a = writer; a < accounts; a += writers) {
                    gateway.sendAndWait(new OpenAccount("acc-" + a, "owner-" + a, 1_000));
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.printf("  opened %,d accounts in %.1f s%n", accounts, (System.nanoTime() - start) / 1e9);
    }

    private void concurrent(int accounts, int writers, long seconds) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        AtomicLong done = new AtomicLong();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.min(3, seconds));
        long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                int next = writer;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    gateway.sendAndWait(new Deposit("acc-" + next, 1));
                    if (t0 >= warmupEnd) {
                        recorder.recordValue(System.nanoTime() - t0);
                        done.incrementAndGet();
                    }
                    next += writers;
                    if (next >= accounts) {
                        next = writer;
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        report("concurrent", measure(threads, warmupEnd, recorder, done), recorder.getIntervalHistogram(),
                writers + " writer threads over " + accounts + " aggregates, each command sync");
    }

    /**
     * Raw event-store appends, no command handling, as Cairn's SdkBench "append.sync": 16 threads, each publishing one
     * MoneyDeposited at a time (its own unit of work and transaction, acknowledged after COMMIT; the unique key on
     * aggregate id and sequence number is Axon's optimistic check) round robin over its own 1/16 of 10,000 fresh
     * aggregates, through the EventStore (EmbeddedEventStore on the JdbcEventStorageEngine, which serializes).
     */
    private void appends(int aggregates, int writers, long seconds) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.min(3, seconds));
        long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                long[] next = new long[(aggregates + writers - 1) / writers];
                int slot = 0;
                while (System.nanoTime() < end) {
                    String id = "append-" + (writer + slot * writers);
                    long sequence = next[slot];
                    long t0 = System.nanoTime();
                    try {
                        publishDeposit(id, sequence);
                        next[slot]++;
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
            });
            threads.add(t);
            t.start();
        }
        double perSecond = measure(threads, warmupEnd, recorder, done);
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " appends failed");
        }
        Histogram latency = recorder.getIntervalHistogram();
        System.out.printf("  %-16s %,10.0f appends/s    latency p50 %7.3f ms  p99 %7.3f ms   (%d writer threads over %d fresh"
                        + " aggregates, 1 event per transaction)%n", "append.sync", perSecond,
                latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6, writers, aggregates);
        results.printf("append.sync.tput %.1f%nappend.sync.p50 %.4f%nappend.sync.p99 %.4f%n", perSecond,
                latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6);
    }

    /**
     * The pipelined phases, as Cairn's SdkBench runs them: 16 writers, each keeping up to {@code inflight} commands
     * (or raw appends) in flight round robin over its own 1/16 of the aggregates, so that no two in flight touch the
     * same aggregate. Axon runs them the way its AsynchronousCommandBus does: on an executor of {@code workers}
     * threads, each holding a pooled connection for its command's transaction (sendAndWait on the executor's thread,
     * the same unit of work and commit as the synchronous phase). Raw appends use aggregates of their own
     * ("pipelined-N"), one MoneyDeposited per unit of work. Latency is from submission to commit, queueing included.
     */
    private void pipelined(int aggregates, int writers, long seconds, boolean rawAppends) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        java.util.concurrent.atomic.AtomicReference<RuntimeException> firstFailure = new java.util.concurrent.atomic.AtomicReference<>();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.min(3, seconds));
        long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(inflight);
                long[] next = new long[(aggregates + writers - 1) / writers];
                int slot = 0;
                while (System.nanoTime() < end) {
                    window.acquireUninterruptibly();
                    String id = (rawAppends ? "pipelined-" : "acc-") + (writer + slot * writers);
                    long sequence = next[slot]++;
                    long t0 = System.nanoTime();
                    pool.execute(() -> {
                        try {
                            if (rawAppends) {
                                publishDeposit(id, sequence);
                            } else {
                                gateway.sendAndWait(new Deposit(id, 1));
                            }
                            if (t0 >= warmupEnd) {
                                recorder.recordValue(System.nanoTime() - t0);
                                done.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet(null, e);
                        } finally {
                            window.release();
                        }
                    });
                    slot++;
                    if (writer + slot * writers >= aggregates) {
                        slot = 0;
                    }
                }
                window.acquireUninterruptibly(inflight); // its last ones are done
            });
            threads.add(t);
            t.start();
        }
        double perSecond = measure(threads, warmupEnd, recorder, done);
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.MINUTES);
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " pipelined " + (rawAppends ? "appends" : "commands")
                    + " failed", firstFailure.get());
        }
        String what = writers + " writers over " + aggregates + (rawAppends ? " fresh" : "") + " aggregates, " + inflight
                + " in flight per writer, run by " + workers + " threads";
        if (rawAppends) {
            Histogram latency = recorder.getIntervalHistogram();
            System.out.printf("  %-16s %,10.0f appends/s    latency p50 %7.3f ms  p99 %7.3f ms   (%s, 1 event per"
                            + " transaction)%n", "append.pipelined", perSecond,
                    latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6, what);
            results.printf("append.pipelined.tput %.1f%nappend.pipelined.p50 %.4f%nappend.pipelined.p99 %.4f%n", perSecond,
                    latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6);
        } else {
            report("pipelined", perSecond, recorder.getIntervalHistogram(), what);
        }
        results.printf("workers %d%n", workers);
    }

    private void load() throws Exception {
        int[] sizes = {10, 1_000, 10_000};
        for (int size : sizes) {
            for (String kind : List.of("events", "snapshot")) {
                String id = "load-" + size + "-" + kind;
                populate(id, size);
                if (kind.equals("snapshot")) {
                    DefaultUnitOfWork<?> uow = DefaultUnitOfWork.startAndGet(null);
                    uow.execute(() -> {
                        Aggregate<Account> loaded = plainRepository.load(id);
                        Account root = loaded.invoke(a -> a);
                        eventStore.storeSnapshot(new GenericDomainEventMessage<>("Account", id, loaded.version(), root));
                    });
                }
            }
        }
        checkLoadSnapshots();
        for (int size : sizes) {
            for (String kind : List.of("events", "snapshot")) {
                String id = "load-" + size + "-" + kind;
                int reps = quick ? Math.max(20, 2_000 / size) : Math.max(30, 20_000 / size);
                int warmup = Math.max(reps, (quick ? 50_000 : 100_000) / size);
                for (int i = 0; i < warmup; i++) {
                    timedLoad(id, size);
                }
                Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                for (int i = 0; i < reps; i++) {
                    latency.recordValue(timedLoad(id, size));
                }
                String key = "load." + size + "." + kind;
                System.out.printf("  %-22s p50 %8.3f ms  p99 %8.3f ms  (%d loads)%n", key,
                        latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6, reps);
                results.printf("%s.p50 %.4f%n%s.p99 %.4f%n", key, latency.getValueAtPercentile(50) / 1e6, key,
                        latency.getValueAtPercentile(99) / 1e6);
            }
        }
    }

    /** Exactly the three "snapshot" accounts have a snapshot (the figures would lie otherwise). */
    private void checkLoadSnapshots() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT aggregateidentifier FROM snapshotevententry WHERE aggregateidentifier LIKE 'load-%'")) {
            List<String> ids = new ArrayList<>();
            while (r.next()) {
                ids.add(r.getString(1));
            }
            if (ids.size() != 3 || !ids.stream().allMatch(id -> id.endsWith("-snapshot"))) {
                throw new IllegalStateException("expected snapshots of the 3 load-*-snapshot accounts, found " + ids);
            }
        }
    }

    private long timedLoad(String id, int size) {
        DefaultUnitOfWork<?> uow = DefaultUnitOfWork.startAndGet(null);
        try {
            long t0 = System.nanoTime();
            Aggregate<Account> loaded = plainRepository.load(id);
            long took = System.nanoTime() - t0;
            if (loaded.version() != size - 1) {
                throw new IllegalStateException("loaded " + id + " at version " + loaded.version());
            }
            return took;
        } finally {
            uow.rollback();
        }
    }

    /** Writes an account with {@code events} events straight to the event store, 500 per transaction. */
    private void populate(String id, int events) {
        List<DomainEventMessage<?>> batch = new ArrayList<>();
        batch.add(new GenericDomainEventMessage<>("Account", id, 0, new AccountOpened(id, "owner", 0)));
        for (int i = 1; i < events; i++) {
            batch.add(new GenericDomainEventMessage<>("Account", id, i, new MoneyDeposited(id, i, null)));
            if (batch.size() == 500) {
                publish(batch);
            }
        }
        if (!batch.isEmpty()) {
            publish(batch);
        }
    }

    /**
     * Lets the started {@code threads} run past {@code warmupEnd}, then counts from there (clearing what the warm-up
     * recorded) until they end; returns the operations per second they completed.
     */
    private static double measure(List<Thread> threads, long warmupEnd, Recorder recorder, AtomicLong done)
            throws InterruptedException {
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(warmupEnd - System.nanoTime())));
        long measuredStart = System.nanoTime();
        recorder.reset();
        done.set(0);
        for (Thread t : threads) {
            t.join();
        }
        return done.get() / ((System.nanoTime() - measuredStart) / 1e9);
    }

    /** One raw append: a MoneyDeposited at {@code sequence} of aggregate {@code id}, in its own unit of work. */
    private void publishDeposit(String id, long sequence) {
        DefaultUnitOfWork.startAndGet(null).execute(() -> eventStore.publish(
                new GenericDomainEventMessage<>("Account", id, sequence, new MoneyDeposited(id, 1, null))));
    }

    private void publish(List<DomainEventMessage<?>> batch) {
        List<DomainEventMessage<?>> copy = List.copyOf(batch);
        batch.clear();
        DefaultUnitOfWork.startAndGet(null).execute(() -> eventStore.publish(copy));
    }

    private void report(String key, double perSecond, Histogram latency, String what) {
        System.out.printf("  %-16s %,10.0f commands/s   latency p50 %7.3f ms  p99 %7.3f ms   (%s)%n", key, perSecond,
                latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6, what);
        results.printf("%s.tput %.1f%n%s.p50 %.4f%n%s.p99 %.4f%n", key, perSecond, key,
                latency.getValueAtPercentile(50) / 1e6, key, latency.getValueAtPercentile(99) / 1e6);
    }
}
