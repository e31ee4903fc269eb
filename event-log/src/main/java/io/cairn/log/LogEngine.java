package io.cairn.log;

import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage engine: opens a data directory and serves the topics it holds; creates, alters and deletes topics at
 * runtime; runs the background duties (time-based flushes, retention, recovery checkpoints, compaction).
 *
 * <p>Layout of the data directory:
 * <pre>
 *   .lock                              held (OS file lock) while an engine has the directory open
 *   .trash/                            topics being deleted
 *   &lt;topic&gt;/topic.properties           id, partition count and config of the topic (written last at creation)
 *   &lt;topic&gt;/&lt;partition&gt;/               one {@link PartitionLog}: segments and partition.checkpoint
 * </pre>
 * A topic directory without {@code topic.properties} is a creation that a crash interrupted; it is removed at open.
 *
 * <p>Thread-safety: safe for concurrent use. Topic creation, deletion and alteration are serialized among themselves.
 */
public final class LogEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogEngine.class);
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]+");
    private static final int MAX_NAME_LENGTH = 249;
    private static final String TOPIC_FILE = "topic.properties";
    private static final String TRASH = ".trash";
    /**
     * Data directories (real paths) held by engines of this JVM. A second engine must not even open the lock file of
     * such a directory: OS file locks are per process, and closing any channel on the file would release the first
     * engine's lock, letting an engine in another process in.
     */
    private static final java.util.Set<Path> LOCKED_DIRS = ConcurrentHashMap.newKeySet();

    private final LogEngineConfig config;
    private final Path dataDir;
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private final Object adminLock = new Object();
    private final ScheduledExecutorService scheduler;
    private final ScheduledExecutorService cleaner;
    private final Compactor compactor;
    private final PartitionLog.Background background;
    private final FileChannel lockChannel;
    private final FileLock dirLock;
    private final Path lockKey;
    private final java.util.Set<Runnable> deferred = ConcurrentHashMap.newKeySet();
    /** Services built on this engine, one per key, closed (in reverse order of creation) before the partitions. */
    private final Map<Class<?>, Object> extensions = new java.util.LinkedHashMap<>();
    private volatile boolean closed;

    private LogEngine(LogEngineConfig config) throws IOException {
        this.config = config;
        this.dataDir = config.dataDir().toAbsolutePath();
        Files.createDirectories(dataDir);
        lockKey = dataDir.toRealPath();
        if (!LOCKED_DIRS.add(lockKey)) {
            throw new LogException.LogIoException("Data directory " + dataDir + " is in use by another engine", null);
        }
        FileChannel ch = null;
        FileLock l = null;
        try {
            ch = FileChannel.open(dataDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
        } finally {
            if (l == null) {
                if (ch != null) {
                    ch.close();
                }
                LOCKED_DIRS.remove(lockKey);
            }
        }
        if (l == null) {
            throw new LogException.LogIoException("Data directory " + dataDir + " is in use by another engine", null);
        }
        lockChannel = ch;
        dirLock = l;
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(2, named("cairn-log-scheduler"));
        s.setRemoveOnCancelPolicy(true);
        s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        scheduler = s;
        cleaner = Executors.newSingleThreadScheduledExecutor(named("cairn-log-cleaner"));
        compactor = new Compactor(config.cleanerMaxKeys());
        background = new PartitionLog.Background() {
            @Override
            public void schedule(Runnable task, long delayMs) {
                // Deferred work (file deletions) that has not run when the engine closes is run by close().
                deferred.add(task);
                if (scheduler.isShutdown()) {
                    runDeferred(task);
                } else {
                    scheduler.schedule(() -> runDeferred(task), delayMs, TimeUnit.MILLISECONDS);
                }
            }

            @Override
            public void execute(Runnable task) {
                tryExecute(task);
            }

            @Override
            public boolean tryExecute(Runnable task) {
                try {
                    scheduler.execute(guarded(task));
                    return true;
                } catch (java.util.concurrent.RejectedExecutionException shutDown) {
                    return false;
                }
            }
        };
    }

    /** Opens the engine on {@code config.dataDir()}, recovering every partition found there. */
    public static LogEngine open(LogEngineConfig config) {
        LogEngine engine;
        try {
            engine = new LogEngine(config);
        } catch (IOException e) {
            throw new LogException.LogIoException("Cannot open data directory " + config.dataDir() + ": " + e, e);
        }
        try {
            engine.load();
            engine.startDuties();
            return engine;
        } catch (IOException | RuntimeException e) {
            engine.close();
            if (e instanceof LogException le) {
                throw le;
            }
            throw new LogException.LogIoException("Cannot open data directory " + config.dataDir() + ": " + e, e);
        }
    }

    /** Threads of one role, from the configured factory (named by the engine) or plain daemon threads. */
    private ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = config.threadFactory();
        return r -> {
            Thread t;
            if (factory == null) {
                t = new Thread(r);
                t.setDaemon(true);
            } else {
                t = factory.newThread(r);
                if (t == null) { // a managed factory refuses once its application stops
                    throw new IllegalStateException("The thread factory made no thread for " + name);
                }
            }
            t.setName(name + "-" + n.incrementAndGet());
            return t;
        };
    }

    private void runDeferred(Runnable task) {
        if (deferred.remove(task)) {
            guarded(task).run();
        }
    }

    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("Background task failed: {}", e.toString(), e);
            }
        };
    }

    private void load() throws IOException {
        Path trash = dataDir.resolve(TRASH);
        FileUtil.deleteRecursively(trash);
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> list = Files.list(dataDir)) {
            list.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().startsWith(".")).forEach(dirs::add);
        }
        ExecutorService pool = Executors.newFixedThreadPool(config.recoveryThreads(), named("cairn-log-recovery"));
        try {
            long started = System.nanoTime();
            int partitions = 0;
            for (Path d : dirs) {
                Path props = d.resolve(TOPIC_FILE);
                if (!Files.exists(props)) {
                    log.warn("Removing {}: a topic creation was interrupted before it completed", d);
                    FileUtil.deleteRecursively(d);
                    continue;
                }
                Properties p = new Properties();
                p.load(new StringReader(Files.readString(props, StandardCharsets.UTF_8)));
                String name = d.getFileName().toString();
                UUID id = UUID.fromString(p.getProperty("cairn.topic.id"));
                int count = Integer.parseInt(p.getProperty("cairn.partitions"));
                Map<String, String> overrides = new HashMap<>();
                for (String k : p.stringPropertyNames()) {
                    if (!k.startsWith("cairn.")) {
                        overrides.put(k, p.getProperty(k));
                    }
                }
                TopicConfig tc = TopicConfig.of(overrides);
                Topic topic = new Topic(name, id, tc, List.of());
                List<Future<PartitionLog>> opening = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    int partition = i;
                    opening.add(pool.submit(() -> openPartition(topic, partition)));
                }
                List<PartitionLog> logs = new ArrayList<>();
                for (Future<PartitionLog> f : opening) {
                    logs.add(await(f));
                }
                topic.partitions(logs);
                topics.put(name, topic);
                partitions += count;
            }
            log.info("Opened {} topic(s), {} partition(s) in {} ms from {}", topics.size(), partitions,
                    (System.nanoTime() - started) / 1_000_000, dataDir);
        } finally {
            pool.shutdownNow();
            awaitTermination(pool); // no recovery thread outlives the open
        }
    }

    private static void awaitTermination(ExecutorService pool) {
        try {
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Engine threads did not stop within 10 s: {}", pool);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static PartitionLog await(Future<PartitionLog> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening partitions", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        }
    }

    private PartitionLog openPartition(Topic topic, int partition) throws IOException {
        File dir = dataDir.resolve(topic.name()).resolve(Integer.toString(partition)).toFile();
        return PartitionLog.open(topic.name(), partition, dir, topic::config, config.clock(), background, config.verifyReads());
    }

    private void startDuties() {
        scheduler.scheduleWithFixedDelay(guarded(this::flushDue), config.flushCheckIntervalMs(), config.flushCheckIntervalMs(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(guarded(this::runRetention), config.retentionCheckIntervalMs(), config.retentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(guarded(this::checkpointAll), config.checkpointIntervalMs(), config.checkpointIntervalMs(), TimeUnit.MILLISECONDS);
        if (config.cleanerIntervalMs() > 0) {
            cleaner.scheduleWithFixedDelay(guarded(this::runCompaction), config.cleanerIntervalMs(), config.cleanerIntervalMs(), TimeUnit.MILLISECONDS);
        }
    }

    // ------------------------------------------------------------------------------------------------- topics

    /** Creates a topic with {@code partitions} partitions and config overrides; fails if the name is taken. */
    public Topic createTopic(String name, int partitions, Map<String, String> configs) {
        validateName(name);
        if (partitions < 1) {
            throw new LogException.InvalidConfigException("A topic needs at least 1 partition, not " + partitions);
        }
        if (partitions > config.maxPartitionsPerTopic()) {
            // a limit, reported as addPartitions reports it
            throw new LogException.LimitExceededException("A topic can have at most " + config.maxPartitionsPerTopic()
                    + " partitions (maxPartitionsPerTopic), not " + partitions);
        }
        Map<String, String> merged = new HashMap<>(config.defaultTopicConfig());
        merged.putAll(configs);
        TopicConfig tc = TopicConfig.of(merged);
        synchronized (adminLock) {
            ensureOpen();
            if (topics.containsKey(name)) {
                throw new LogException.TopicExistsException("Topic '" + name + "' already exists");
            }
            if (topics.size() >= config.maxTopics()) {
                throw new LogException.LimitExceededException("The engine already holds " + topics.size() + " topics (maxTopics)");
            }
            if (totalPartitions() + partitions > config.maxPartitions()) {
                throw new LogException.LimitExceededException("Creating " + partitions + " partitions would exceed maxPartitions="
                        + config.maxPartitions() + " (" + totalPartitions() + " exist)");
            }
            Path dir = dataDir.resolve(name);
            try {
                if (Files.exists(dir)) {
                    FileUtil.deleteRecursively(dir); // leftover of an interrupted creation
                }
                Files.createDirectories(dir);
                Topic topic = new Topic(name, UUID.randomUUID(), tc, List.of());
                List<PartitionLog> logs = new ArrayList<>();
                for (int i = 0; i < partitions; i++) {
                    logs.add(openPartition(topic, i));
                }
                topic.partitions(logs);
                writeTopicFile(topic);
                FileUtil.fsyncDirectory(dataDir);
                topics.put(name, topic);
                log.info("Created topic {} with {} partition(s)", name, partitions);
                return topic;
            } catch (IOException e) {
                throw new LogException.LogIoException("Cannot create topic " + name + " in " + dir + ": " + e, e);
            }
        }
    }

    private int totalPartitions() {
        return topics.values().stream().mapToInt(Topic::partitionCount).sum();
    }

    private static void validateName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH || !LEGAL_NAME.matcher(name).matches()
                || name.startsWith(".")) {
            throw new LogException.InvalidConfigException("Illegal topic name '" + name + "': use 1 to " + MAX_NAME_LENGTH
                    + " characters of [a-zA-Z0-9._-], not starting with '.'");
        }
    }

    /**
     * Format of {@code topic.properties}: Java properties (UTF-8); {@code cairn.topic.id} (UUID),
     * {@code cairn.partitions}, and every topic config by its Kafka name. Replaced atomically (tmp, fsync, rename).
     */
    private void writeTopicFile(Topic topic) throws IOException {
        Path dir = dataDir.resolve(topic.name());
        StringBuilder sb = new StringBuilder("# Cairn topic ").append(topic.name()).append('\n');
        sb.append("cairn.topic.id=").append(topic.id()).append('\n');
        sb.append("cairn.partitions=").append(topic.partitionCount()).append('\n');
        new TreeMap<>(topic.config().values()).forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Path tmp = dir.resolve(TOPIC_FILE + ".tmp");
        Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(TOPIC_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        FileUtil.fsyncDirectory(dir);
    }

    /** Deletes a topic and, in the background, its files. */
    public void deleteTopic(String name) {
        synchronized (adminLock) {
            ensureOpen();
            Topic topic = topics.remove(name);
            if (topic == null) {
                throw new LogException.UnknownTopicException("Unknown topic '" + name + "'");
            }
            for (PartitionLog p : topic.partitions()) {
                p.closeForDelete();
            }
            Path trash = dataDir.resolve(TRASH);
            try {
                Files.createDirectories(trash);
                Path target = trash.resolve(name + "-" + topic.id());
                Files.move(dataDir.resolve(name), target, StandardCopyOption.ATOMIC_MOVE);
                FileUtil.fsyncDirectory(dataDir);
                scheduler.execute(() -> {
                    try {
                        FileUtil.deleteRecursively(target);
                    } catch (IOException e) {
                        log.warn("Could not delete {}: {}", target, e.toString());
                    }
                });
            } catch (IOException e) {
                throw new LogException.LogIoException("Cannot delete topic " + name + ": " + e, e);
            }
            log.info("Deleted topic {}", name);
        }
    }

    /** Applies config changes (a null value resets to the default) and persists them; returns the new config. */
    public TopicConfig alterTopicConfig(String name, Map<String, String> changes) {
        synchronized (adminLock) {
            ensureOpen();
            Topic topic = requireTopic(name);
            TopicConfig next = topic.config().with(changes);
            TopicConfig previous = topic.config();
            topic.config(next);
            try {
                writeTopicFile(topic);
            } catch (IOException e) {
                topic.config(previous);
                throw new LogException.LogIoException("Cannot persist config of " + name + ": " + e, e);
            }
            return next;
        }
    }

    /** Grows a topic to {@code total} partitions (never shrinks, as in Kafka). */
    public Topic addPartitions(String name, int total) {
        synchronized (adminLock) {
            ensureOpen();
            Topic topic = requireTopic(name);
            int current = topic.partitionCount();
            if (total <= current) {
                throw new LogException.InvalidConfigException("Topic " + name + " has " + current
                        + " partitions; the new count must be larger, not " + total);
            }
            if (total > config.maxPartitionsPerTopic() || totalPartitions() + total - current > config.maxPartitions()) {
                throw new LogException.LimitExceededException("Growing " + name + " to " + total + " partitions exceeds a partition limit");
            }
            List<PartitionLog> logs = new ArrayList<>(topic.partitions());
            try {
                for (int i = current; i < total; i++) {
                    logs.add(openPartition(topic, i));
                }
                topic.partitions(logs);
                writeTopicFile(topic);
            } catch (IOException e) {
                throw new LogException.LogIoException("Cannot add partitions to " + name + ": " + e, e);
            }
            return topic;
        }
    }

    public Optional<Topic> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Topic requireTopic(String name) {
        Topic t = topics.get(name);
        if (t == null) {
            throw new LogException.UnknownTopicException("Unknown topic '" + name + "'");
        }
        return t;
    }

    public Collection<Topic> topics() {
        return List.copyOf(topics.values());
    }

    public PartitionLog partition(String topic, int partition) {
        return requireTopic(topic).partition(partition);
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * The one instance of a service built on this engine (such as the event store, whose per-partition indexes must
     * have a single owner however many front doors use them), created by {@code factory} on first use. An
     * {@link AutoCloseable} extension is closed by {@link #close()} before the partitions are.
     */
    public <T> T extension(Class<T> key, java.util.function.Function<LogEngine, T> factory) {
        synchronized (extensions) {
            ensureOpen();
            Object existing = extensions.get(key);
            if (existing == null) {
                existing = factory.apply(this);
                extensions.put(key, existing);
            }
            return key.cast(existing);
        }
    }

    public LogEngineConfig config() {
        return config;
    }

    // ----------------------------------------------------------------------------------------------- duties

    private Iterable<PartitionLog> allPartitions() {
        List<PartitionLog> all = new ArrayList<>();
        for (Topic t : topics.values()) {
            all.addAll(t.partitions());
        }
        return all;
    }

    private void flushDue() {
        long now = config.clock().millis();
        for (PartitionLog p : allPartitions()) {
            try {
                p.maybeFlush(now);
            } catch (LogException e) {
                log.warn("Scheduled flush of {} failed: {}", p, e.getMessage());
            }
        }
    }

    /** Runs retention on every partition now; returns the number of segments deleted. */
    public int runRetention() {
        long now = config.clock().millis();
        int deleted = 0;
        for (PartitionLog p : allPartitions()) {
            try {
                deleted += p.applyRetention(now);
            } catch (LogException e) {
                if (!(e instanceof LogException.LogClosedException)) {
                    log.warn("Retention of {} failed: {}", p, e.getMessage());
                }
            }
        }
        return deleted;
    }

    /** Compacts every compacted partition now (on the calling thread); returns the number of segments rewritten. */
    public int runCompaction() {
        synchronized (compactor) {
            long now = config.clock().millis();
            int cleaned = 0;
            for (PartitionLog p : allPartitions()) {
                try {
                    cleaned += compactor.compact(p, now).segmentsCleaned();
                } catch (IOException | LogException e) {
                    if (!(e instanceof LogException.LogClosedException)) {
                        log.warn("Compaction of {} failed: {}", p, e.toString());
                    }
                }
            }
            return cleaned;
        }
    }

    private void checkpointAll() {
        for (PartitionLog p : allPartitions()) {
            try {
                p.checkpoint();
            } catch (LogException e) {
                log.warn("Checkpoint of {} failed: {}", p, e.getMessage());
            }
        }
    }

    /** Flushes every partition. */
    public void flushAll() {
        for (PartitionLog p : allPartitions()) {
            p.flush();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogException.LogClosedException("The log engine on " + dataDir + " is closed");
        }
    }

    /**
     * Runs {@code task} every {@code intervalMs} on the engine's scheduler until the engine closes: for services built
     * on the engine (the event store checkpoints its indexes this way). A failing run is logged; later runs go on.
     */
    public void scheduleDuty(Runnable task, long intervalMs) {
        ensureOpen();
        scheduler.scheduleWithFixedDelay(guarded(task), intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    private void closeExtensions() {
        List<Object> open;
        synchronized (extensions) {
            open = new ArrayList<>(extensions.values());
            extensions.clear();
        }
        java.util.Collections.reverse(open);
        for (Object x : open) {
            if (x instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.warn("Closing {} failed: {}", x, e.toString());
                }
            }
        }
    }

    /** Stops background work, flushes and closes every partition (a clean shutdown: the next open skips recovery). */
    @Override
    public void close() {
        synchronized (adminLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        cleaner.shutdownNow();
        scheduler.shutdown();
        try {
            cleaner.awaitTermination(30, TimeUnit.SECONDS);
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.shutdownNow();
        awaitTermination(scheduler); // a task that ignored the first wait still gets interrupted and waited for
        closeExtensions();
        for (Runnable task : List.copyOf(deferred)) {
            runDeferred(task);
        }
        for (Topic t : topics.values()) {
            for (PartitionLog p : t.partitions()) {
                try {
                    p.close();
                } catch (LogException e) {
                    log.warn("Closing {} failed: {}", p, e.getMessage());
                }
            }
        }
        try {
            dirLock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.debug("releasing the directory lock: {}", e.toString());
        } finally {
            LOCKED_DIRS.remove(lockKey);
        }
        log.info("Closed the log engine on {}", dataDir);
    }
}
