package io.cairn.log;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition: an ordered set of {@link LogSegment}s in a directory, the last of which (the active segment) takes
 * appends.
 *
 * <p>Offsets: the <em>log start offset</em> is the first offset a reader may ask for; the <em>log end offset</em> is the
 * offset the next record will get; the <em>high watermark</em> is the end of what readers are shown. On one node the
 * high watermark follows the log end offset; replication will move it separately.
 *
 * <p>Durability: {@code flush.messages} and {@code flush.ms} say when appended data is fsynced. Appends that need a
 * flush share it (group commit): the first waiter fsyncs everything written so far; those that wrote meanwhile wait for
 * it and then one of them fsyncs for all of them, and so on, with no timer and no extra thread for synchronous
 * appenders. See {@code docs/durability.md} and {@code docs/event-store.md}.
 *
 * <p>Thread-safety: safe for concurrent use. Appends and structural changes (roll, retention, compaction swaps) are
 * serialized by one lock; reads take no lock and see data up to the end position published after each append.
 */
public final class PartitionLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

    /** What an append did. {@code logAppendTime} is -1 unless the topic uses LogAppendTime. */
    public record AppendResult(long baseOffset, long lastOffset, int recordCount, long logAppendTime, boolean durable) {
        AppendResult asDurable() {
            return durable ? this : new AppendResult(baseOffset, lastOffset, recordCount, logAppendTime, true);
        }
    }

    /** Batches read, and the partition's offsets at the time of the read. */
    public record ReadResult(Records records, long highWatermark, long logStartOffset, long logEndOffset) {
        public int sizeInBytes() {
            return records.sizeInBytes();
        }
    }

    /** How far a read may go. */
    public enum ReadLimit {
        /** Only what is committed: consumers. */
        HIGH_WATERMARK,
        /** Everything appended: followers and diagnostics. */
        LOG_END
    }

    private record LogEnd(long offset, LogSegment segment, int position) {
    }

    private final String topic;
    private final int partition;
    private final File dir;
    private final LogSegment.TopicConfigHolder config;
    private final Clock clock;
    private final Background background;
    private final boolean verifyReads;
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Guards {@link #flushStartedTo} and {@link #flushesRunning} (and orders updates of {@link #flushedOffset});
     * held only for a few field updates, never across an fsync. Callers of {@link #flushUpTo} wait on it.
     */
    private final Object flushState = new Object();
    /** The highest target of a flush started so far (running or finished): data below it is durable or soon will be. */
    private long flushStartedTo;
    /** Flushes running now (at most {@link #MAX_CONCURRENT_FLUSHES}). */
    private int flushesRunning;
    private final List<LongConsumer> appendListeners = new CopyOnWriteArrayList<>();
    /** Appends waiting for an fsync, in offset order (added under the append lock, so offsets increase). */
    private final java.util.concurrent.ConcurrentLinkedQueue<DurableWaiter> durableWaiters = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean flushScheduled = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile LogEnd end;
    private volatile LogEnd highWatermark;
    private volatile long logStartOffset;
    private volatile long flushedOffset;
    private volatile long lastFlushMs;
    private volatile long cleanerOffset;
    /** 0 after opening, so the first compaction pass after a restart looks at pending tombstones again. */
    private volatile long nextTombstoneCheckMs;
    private volatile boolean closed;
    private long unflushedMessages;
    /** Flush passes done (each fsyncs the dirty segments once): lets tests see group commit at work. */
    private final AtomicLong flushes = new AtomicLong();
    /** Written under {@code lock}, read without it. */
    private volatile long appendedRecords;
    private volatile long appendedBytes;

    /** What a partition needs from its engine: deferred work and deletion. */
    interface Background {
        void schedule(Runnable task, long delayMs);

        void execute(Runnable task);

        /** Runs {@code task} soon on a background thread; false if the engine no longer takes work. */
        default boolean tryExecute(Runnable task) {
            execute(task);
            return true;
        }
    }

    private PartitionLog(String topic, int partition, File dir, LogSegment.TopicConfigHolder config, Clock clock,
                         Background background, boolean verifyReads) {
        this.topic = topic;
        this.partition = partition;
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.background = background;
        this.verifyReads = verifyReads;
    }

    /**
     * Opens (or creates) the partition in {@code dir}. After a clean shutdown this reads only index files and the tail
     * of the last segment; after a crash it checks every batch from the recovery point on, truncating a torn or corrupt
     * tail and rebuilding the indexes.
     */
    static PartitionLog open(String topic, int partition, File dir, LogSegment.TopicConfigHolder config, Clock clock,
                             Background background, boolean verifyReads) throws IOException {
        Files.createDirectories(dir.toPath());
        PartitionLog p = new PartitionLog(topic, partition, dir, config, clock, background, verifyReads);
        p.load();
        return p;
    }

    private void load() throws IOException {
        long now = clock.millis();
        completeInterruptedSwaps();
        PartitionCheckpoint cp = PartitionCheckpoint.read(dir);
        boolean clean = cp != null && cp.cleanShutdown();
        long recoveryPoint = cp == null ? 0 : cp.recoveryPoint();
        List<Long> bases = segmentBaseOffsets();
        if (bases.isEmpty()) {
            long base = cp == null ? 0 : cp.logStartOffset();
            segments.put(base, LogSegment.create(dir, base, config, now));
            FileUtil.fsyncDirectory(dir.toPath());
        } else {
            Long recoverFrom = null;
            for (int i = 0; i < bases.size(); i++) {
                long base = bases.get(i);
                boolean active = i == bases.size() - 1;
                boolean nextStartsAfterRecoveryPoint = active || bases.get(i + 1) > recoveryPoint;
                boolean recover = !clean && nextStartsAfterRecoveryPoint;
                LogSegment s = LogSegment.open(dir, base, config, active, recover, now);
                LogSegment previous = segments.isEmpty() ? null : segments.lastEntry().getValue();
                if (previous != null && previous.nextOffset() > base) {
                    throw new LogException.CorruptBatchException(dir + ": segment " + previous.file().getName()
                            + " ends at offset " + previous.nextOffset() + ", past the start of the next segment " + base);
                }
                segments.put(base, s);
                if (recover && recoverFrom == null) {
                    recoverFrom = base;
                }
                if (recover && !active && s.truncatedAtOpen() > 0) {
                    // Batches were lost inside this segment, which was not known to be flushed. The later segments
                    // hold batches appended after the lost ones (a rolled segment is flushed in the background, so
                    // the OS may have written a later segment first): keeping them would leave a hole in the offsets.
                    // None of them was known to be durable either (they lie after the recovery point); like Kafka,
                    // drop them. This segment, just checked, becomes the active one.
                    List<Long> dropped = bases.subList(i + 1, bases.size());
                    for (long later : dropped) {
                        LogSegment.deleteFiles(dir, later);
                    }
                    FileUtil.fsyncDirectory(dir.toPath());
                    s.close();
                    segments.put(base, LogSegment.open(dir, base, config, true, false, now));
                    log.warn("{}-{}: segment {} lost {} bytes of unflushed data; deleted the {} later segment(s) {} so that"
                            + " offsets stay contiguous", topic, partition, base, s.truncatedAtOpen(), dropped.size(), dropped);
                    break;
                }
            }
            if (recoverFrom != null) {
                log.info("Recovered {}-{} from offset {} (unclean shutdown)", topic, partition, recoverFrom);
            }
        }
        LogSegment last = segments.lastEntry().getValue();
        LogEnd e = new LogEnd(last.nextOffset(), last, last.sizeInBytes());
        end = e;
        highWatermark = e;
        long start = segments.firstKey();
        if (cp != null) {
            start = Math.max(start, Math.min(cp.logStartOffset(), e.offset));
        }
        logStartOffset = start;
        cleanerOffset = cp == null ? 0 : cp.cleanerOffset();
        if (!clean) {
            for (LogSegment s : segments.tailMap(floorBase(recoveryPoint)).values()) {
                s.flush();
            }
        }
        flushedOffset = e.offset;
        lastFlushMs = now;
        writeCheckpoint(false);
    }

    /**
     * Finishes or discards compaction output that a crash interrupted (see {@link Compactor}). A {@code .log.swap} file
     * is the commit point of a swap: if it exists, every {@code .swap} file of that base offset replaces the file of
     * the same name; index swap files without a log swap file are an unfinished swap and are dropped.
     */
    private void completeInterruptedSwaps() throws IOException {
        List<Path> swaps = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.toPath())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(LogSegment.DELETED_SUFFIX) || name.endsWith(LogSegment.CLEANED_SUFFIX) || name.endsWith(".tmp")) {
                    Files.deleteIfExists(f);
                } else if (name.endsWith(LogSegment.SWAP_SUFFIX)) {
                    swaps.add(f);
                }
            }
        }
        for (Path f : swaps) {
            String target = f.getFileName().toString();
            target = target.substring(0, target.length() - LogSegment.SWAP_SUFFIX.length());
            String base = target.substring(0, target.indexOf('.'));
            boolean committed = Files.exists(dir.toPath().resolve(base + LogSegment.LOG_SUFFIX + LogSegment.SWAP_SUFFIX));
            if (committed && !target.endsWith(LogSegment.LOG_SUFFIX)) {
                Files.move(f, dir.toPath().resolve(target), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else if (!committed) {
                Files.deleteIfExists(f);
            }
        }
        for (Path f : swaps) {
            String name = f.getFileName().toString();
            if (name.endsWith(LogSegment.LOG_SUFFIX + LogSegment.SWAP_SUFFIX) && Files.exists(f)) {
                Path target = dir.toPath().resolve(name.substring(0, name.length() - LogSegment.SWAP_SUFFIX.length()));
                Files.move(f, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                log.info("Completed an interrupted compaction swap of {}", target);
            }
        }
        FileUtil.fsyncDirectory(dir.toPath());
    }

    private List<Long> segmentBaseOffsets() throws IOException {
        List<Long> bases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.toPath())) {
            files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(LogSegment.LOG_SUFFIX))
                    .forEach(n -> {
                        String digits = n.substring(0, n.length() - LogSegment.LOG_SUFFIX.length());
                        try {
                            bases.add(Long.parseLong(digits));
                        } catch (NumberFormatException ex) {
                            log.warn("Ignoring {} in {}: not a segment file name", n, dir);
                        }
                    });
        }
        bases.sort(Long::compare);
        return bases;
    }

    // ---------------------------------------------------------------------------------------------------- append

    /**
     * Appends whole record batches. Every batch is checked (size prefix, magic 2, CRC-32C, record count, offsets delta,
     * size limits, keys on compacted topics) before anything is written; one bad batch fails the whole append and
     * nothing is written. Offsets (and, for LogAppendTime topics, timestamps) are assigned in place in
     * {@code records}' buffer. Returns once the data is written and, when the flush policy says so, fsynced.
     */
    public AppendResult append(MemoryRecords records) {
        return append(records, AppendGuard.NONE);
    }

    /**
     * Decides, under the partition's append lock, whether an append may go ahead: the basis of conditional appends
     * (the event store's expected sequence). Nothing else can append between {@link #check} and {@link #appended}.
     * Both run on the appending thread while every other appender of the partition waits: keep them short.
     */
    public interface AppendGuard {
        AppendGuard NONE = new AppendGuard() {
            @Override
            public void check(long baseOffset) {
            }
        };

        /**
         * Called before anything is written, with the offset the first record will get (the log end offset).
         * Throwing vetoes the append: nothing is written and the exception reaches the appender.
         */
        void check(long baseOffset);

        /** Called after the records are written (not yet flushed), still under the lock. Must not throw. */
        default void appended(long baseOffset, long lastOffset) {
        }
    }

    /**
     * {@link #append(MemoryRecords)} with a guard that runs inside the append lock and may veto the append (see
     * {@link AppendGuard}). All batches of {@code records} are written contiguously, or none.
     */
    public AppendResult append(MemoryRecords records, AppendGuard guard) {
        Written w = write(records, guard, null, false);
        if (w.waiter != null) {
            flushUpTo(w.result.lastOffset() + 1);
        }
        notifyListeners(w.result.lastOffset() + 1);
        return flushedOffset > w.result.lastOffset() ? w.result.asDurable() : w.result;
    }

    /**
     * Like {@link #append(MemoryRecords, AppendGuard)}, but does not wait for the fsync: the records are written on the
     * calling thread (a page-cache write under the append lock) and the future completes once they are durable, as the
     * flush policy asks. No thread waits per append: one background flush covers every append written before it
     * starts (group commit), and completes their futures. A veto or a validation error fails the future.
     */
    public java.util.concurrent.CompletableFuture<AppendResult> appendAsync(MemoryRecords records, AppendGuard guard) {
        Written w;
        try {
            w = write(records, guard, null);
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        notifyListeners(w.result.lastOffset() + 1);
        if (w.waiter == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(w.result);
        }
        if (flushedOffset >= w.waiter.offset) {
            completeDurableWaiters(null);
        } else if (!coveredByStartedFlush(w.waiter.offset)) {
            requestBackgroundFlush();
        }
        return w.waiter.future;
    }

    /**
     * Like {@link #append(MemoryRecords, AppendGuard)}, but shares fsyncs through the durability waiters of
     * {@link #appendAsync} without a thread switch: the caller fsyncs everything written so far itself unless a flush
     * that started after its write is running (then it parks until that flush wakes it) or
     * {@link #MAX_CONCURRENT_FLUSHES} flushes are running (then the first of them to finish wakes it to start the
     * next). Waiters are woken one by one, only those a finished fsync covers. See docs/event-store.md.
     */
    public AppendResult appendAndAwait(MemoryRecords records, AppendGuard guard) {
        try {
            return appendAndAwait(records, guard, Long.MAX_VALUE);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("a wait without a timeout timed out", e);
        }
    }

    /**
     * {@link #appendAndAwait(MemoryRecords, AppendGuard)} that stops waiting for an fsync run by another thread after
     * {@code timeoutNanos} ({@link Long#MAX_VALUE}: no limit). The records are written by then; whether they become
     * durable is unknown to the caller. An fsync the caller runs itself is not cut short.
     *
     * @throws java.util.concurrent.TimeoutException when the wait timed out
     */
    public AppendResult appendAndAwait(MemoryRecords records, AppendGuard guard, long timeoutNanos)
            throws java.util.concurrent.TimeoutException {
        long deadline = timeoutNanos == Long.MAX_VALUE ? 0 : System.nanoTime() + timeoutNanos;
        Written w = write(records, guard, Thread.currentThread());
        notifyListeners(w.result.lastOffset() + 1);
        if (w.waiter == null) {
            return w.result;
        }
        DurableWaiter waiter = w.waiter;
        while (!waiter.future.isDone()) {
            long target = tryStartFlush(waiter.offset);
            if (target >= 0) {
                try {
                    runFlush(target);
                } catch (RuntimeException e) {
                    // runFlush failed every pending waiter (this one included) with it
                }
            } else if (timeoutNanos == Long.MAX_VALUE) {
                java.util.concurrent.locks.LockSupport.park(this);
            } else {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    java.util.concurrent.TimeoutException timedOut = new java.util.concurrent.TimeoutException("Append to "
                            + topic + "-" + partition + " at offset " + w.result.baseOffset()
                            + " written but not known durable after " + timeoutNanos / 1_000_000 + " ms");
                    // Leaves the queue's order intact (the entry goes when a flush covers it), but a flush ending now
                    // must not pick this thread to start the next one: pass that on.
                    waiter.future.completeExceptionally(timedOut);
                    handOver();
                    throw timedOut;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(this, left);
            }
        }
        try {
            return waiter.future.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    private record Written(AppendResult result, DurableWaiter waiter) {
    }

    /** An append waiting to be durable: its end offset, its result, and the thread to wake (null for async). */
    private record DurableWaiter(long offset, AppendResult result,
                                 java.util.concurrent.CompletableFuture<AppendResult> future, Thread thread) {
        DurableWaiter(long offset, AppendResult result, Thread thread) {
            this(offset, result, new java.util.concurrent.CompletableFuture<>(), thread);
        }
    }

    /**
     * Writes under the append lock. When the flush policy asks for an fsync and {@code waiterThread} is given or the
     * caller is {@link #appendAsync}, the durability waiter is queued under the lock too, so the queue stays in
     * offset order; {@link #append} passes through here with no waiter and calls {@link #flushUpTo} instead.
     */
    private Written write(MemoryRecords records, AppendGuard guard, Thread waiterThread) {
        return write(records, guard, waiterThread, true);
    }

    private Written write(MemoryRecords records, AppendGuard guard, Thread waiterThread, boolean queueWaiter) {
        TopicConfig cfg = config.config();
        Validated v = validate(records, cfg);
        long now = clock.millis();
        long base;
        long last;
        boolean needFlush;
        DurableWaiter waiter = null;
        lock.lock();
        try {
            ensureOpen();
            guard.check(end.offset());
            end.segment().reopenIfClosed();
            LogSegment active = end.segment();
            if (active.shouldRoll(v.bytes, now)) {
                active = roll(now);
            }
            base = end.offset();
            long next = base;
            for (MutableRecordBatch b : records.batches()) {
                long lastOffset = next + (b.lastOffset() - b.baseOffset());
                b.setLastOffset(lastOffset);
                b.setPartitionLeaderEpoch(0);
                if (cfg.logAppendTime) {
                    b.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, now);
                }
                next = lastOffset + 1;
            }
            last = next - 1;
            active.append(records, last, now);
            LogEnd e = new LogEnd(last + 1, active, active.sizeInBytes());
            end = e;
            highWatermark = e;
            unflushedMessages += v.records;
            appendedRecords += v.records;
            appendedBytes += v.bytes;
            needFlush = unflushedMessages >= cfg.flushMessages;
            if (needFlush) {
                unflushedMessages = 0;
            }
            guard.appended(base, last);
            if (needFlush && queueWaiter) {
                waiter = new DurableWaiter(last + 1, new AppendResult(base, last, v.records,
                        cfg.logAppendTime ? now : -1, true), waiterThread);
                durableWaiters.add(waiter);
            }
        } catch (IOException e) {
            throw ioFailure("append to", e);
        } finally {
            lock.unlock();
        }
        AppendResult result = new AppendResult(base, last, v.records, cfg.logAppendTime ? now : -1, flushedOffset > last);
        return new Written(result, needFlush && !queueWaiter ? new DurableWaiter(last + 1, result, null) : waiter);
    }

    private void notifyListeners(long logEnd) {
        for (LongConsumer l : appendListeners) {
            l.accept(logEnd);
        }
    }

    /**
     * Asks for a background flush for async waiters no running flush covers. At most one background flush task is
     * queued or running per partition; it loops while such waiters remain and it may start a flush. When
     * {@link #MAX_CONCURRENT_FLUSHES} are running it stops: the first of them to finish asks again (see
     * {@link #handOver}).
     */
    private void requestBackgroundFlush() {
        if (!flushScheduled.compareAndSet(false, true)) {
            return;
        }
        Runnable task = () -> {
            try {
                while (!closed && !durableWaiters.isEmpty()) {
                    long target = tryStartFlush(end.offset());
                    if (target < 0) {
                        break; // covered by a running flush, or the most flushes are running: they hand over
                    }
                    try {
                        runFlush(target);
                    } catch (RuntimeException e) {
                        break; // every pending waiter got the failure; the next append asks again
                    }
                }
            } finally {
                flushScheduled.set(false);
            }
            // a waiter added between the last check and the reset above must not be stranded
            if (!durableWaiters.isEmpty()) {
                if (closed) {
                    completeDurableWaiters(new LogException.LogClosedException(topic + "-" + partition + " is closed"));
                } else if (uncoveredWaiters()) {
                    requestBackgroundFlush();
                }
            }
        };
        if (!background.tryExecute(task)) {
            flushScheduled.set(false);
            completeDurableWaiters(new LogException.LogClosedException(topic + "-" + partition + " is closing"));
        }
    }

    /** Whether data someone waits for is past every started flush, and another flush may start now. */
    private boolean uncoveredWaiters() {
        synchronized (flushState) {
            return end.offset() > flushStartedTo && flushesRunning < MAX_CONCURRENT_FLUSHES;
        }
    }

    private boolean coveredByStartedFlush(long offset) {
        synchronized (flushState) {
            return flushStartedTo >= offset;
        }
    }

    /** Completes the futures of appends now durable (waking their threads), or, given a failure, every pending one. */
    private void completeDurableWaiters(RuntimeException failure) {
        while (true) {
            DurableWaiter w = durableWaiters.peek();
            if (w == null || failure == null && flushedOffset < w.offset) {
                return;
            }
            if (durableWaiters.remove(w)) {
                if (failure == null) {
                    w.future.complete(w.result);
                } else {
                    w.future.completeExceptionally(failure);
                }
                if (w.thread != null) {
                    java.util.concurrent.locks.LockSupport.unpark(w.thread);
                }
            }
        }
    }

    private record Validated(int bytes, int records) {
    }

    private Validated validate(MemoryRecords records, TopicConfig cfg) {
        ByteBuffer buf = records.buffer();
        int pos = buf.position();
        int end = buf.limit();
        int count = 0;
        int batches = 0;
        if (end - pos == 0) {
            throw new LogException.InvalidBatchException("Append of " + topic + "-" + partition + " holds no batch");
        }
        while (pos < end) {
            // The magic byte comes first: an old-format (v0/v1) message set can be shorter than a v2 header, and the
            // error must then name the format, not the length.
            if (end - pos > BatchScanner.MAGIC_OFFSET && buf.get(pos + BatchScanner.MAGIC_OFFSET) != RecordBatch.MAGIC_VALUE_V2) {
                throw invalid(batches, "magic " + buf.get(pos + BatchScanner.MAGIC_OFFSET) + " (only v2 record batches are accepted)");
            }
            if (end - pos < BatchScanner.HEADER_SIZE) {
                throw invalid(batches, "only " + (end - pos) + " bytes left, less than a batch header (61)");
            }
            int size = BatchScanner.LOG_OVERHEAD + buf.getInt(pos + 8);
            if (size < BatchScanner.HEADER_SIZE || size > end - pos) {
                throw invalid(batches, "size prefix says " + size + " bytes but " + (end - pos) + " remain");
            }
            if (size > cfg.maxMessageBytes) {
                throw new LogException.RecordTooLargeException("Batch of " + size + " bytes exceeds max.message.bytes="
                        + cfg.maxMessageBytes + " of topic " + topic);
            }
            CRC32C crc = new CRC32C();
            ByteBuffer dup = buf.duplicate();
            dup.limit(pos + size).position(pos + BatchScanner.ATTRIBUTES_OFFSET);
            crc.update(dup);
            long stored = Integer.toUnsignedLong(buf.getInt(pos + BatchScanner.CRC_OFFSET));
            if (crc.getValue() != stored) {
                throw invalid(batches, "CRC mismatch: stored " + stored + ", computed " + crc.getValue());
            }
            int n = buf.getInt(pos + BatchScanner.RECORDS_COUNT_OFFSET);
            int lastDelta = buf.getInt(pos + BatchScanner.LAST_OFFSET_DELTA_OFFSET);
            if (n <= 0 || lastDelta != n - 1) {
                throw invalid(batches, "record count " + n + " does not match last offset delta " + lastDelta);
            }
            short attributes = buf.getShort(pos + BatchScanner.ATTRIBUTES_OFFSET);
            if ((attributes & 0x20) != 0) {
                throw invalid(batches, "control batches cannot be appended by clients");
            }
            count += n;
            batches++;
            pos += size;
        }
        int bytes = end - buf.position();
        if (bytes > cfg.segmentBytes) {
            throw new LogException.RecordTooLargeException("Append of " + bytes + " bytes exceeds segment.bytes="
                    + cfg.segmentBytes + " of topic " + topic);
        }
        if (cfg.compact) {
            for (MutableRecordBatch b : records.batches()) {
                for (Record r : b) {
                    if (!r.hasKey()) {
                        throw new LogException.InvalidBatchException("Topic " + topic
                                + " is compacted (cleanup.policy=compact): every record needs a key; offset delta "
                                + (r.offset() - b.baseOffset()) + " has none");
                    }
                }
            }
        }
        return new Validated(bytes, count);
    }

    private LogException invalid(int batchIndex, String why) {
        return new LogException.InvalidBatchException("Rejected append to " + topic + "-" + partition + ", batch "
                + batchIndex + ": " + why + "; nothing was written");
    }

    /** Caller holds the lock. */
    private LogSegment roll(long now) throws IOException {
        LogEnd e = end;
        e.segment().trimIndexes(); // no fsync here, under the append lock: see below
        LogSegment next = LogSegment.create(dir, e.offset(), config, now);
        FileUtil.fsyncDirectory(dir.toPath());
        segments.put(next.baseOffset, next);
        end = new LogEnd(e.offset(), next, 0);
        if (highWatermark.offset() == e.offset()) {
            highWatermark = end;
        }
        // The old segment's data is flushed off the append path; the recovery point then moves past it.
        long rolledAt = e.offset();
        background.execute(() -> {
            try {
                flushUpTo(rolledAt);
                checkpoint();
            } catch (LogException ex) {
                log.warn("Flush after roll of {}-{} failed: {}", topic, partition, ex.getMessage());
            }
        });
        return next;
    }

    /** Rolls the active segment now if it holds data (used by tools, tests and retention). */
    public void roll() {
        lock.lock();
        try {
            ensureOpen();
            if (!end.segment().isEmpty()) {
                roll(clock.millis());
            }
        } catch (IOException e) {
            throw ioFailure("roll", e);
        } finally {
            lock.unlock();
        }
    }

    // ----------------------------------------------------------------------------------------------------- flush

    /**
     * How many fsyncs of one partition may run at once. A flush covers what was written before it started, so data
     * written while one runs needs another, which may start at once (overlapping) or when the running one ends. One:
     * overlapping fsyncs each covered fewer appends and cost more CPU per append than they saved in waiting on the
     * two-core machine measured (docs/durability.md); partitions still fsync in parallel. The machinery allows more.
     */
    static final int MAX_CONCURRENT_FLUSHES = 1;

    /**
     * Starts a flush covering everything written so far, unless {@code offset} is durable, a running flush already
     * covers it, or {@link #MAX_CONCURRENT_FLUSHES} are running. Returns the new flush's target (the log end offset
     * it makes durable), or -1. The caller must then {@link #runFlush} it.
     */
    private long tryStartFlush(long offset) {
        synchronized (flushState) {
            if (flushedOffset >= offset || flushStartedTo >= offset || flushesRunning >= MAX_CONCURRENT_FLUSHES) {
                return -1;
            }
            long target = end.offset();
            flushStartedTo = Math.max(flushStartedTo, target);
            flushesRunning++;
            return target;
        }
    }

    /**
     * Fsyncs every segment that may hold data below {@code target} and not yet durable, then publishes the new durable
     * offset, completes the waiters it covers and hands over (see {@link #handOver}). On failure every pending waiter
     * fails with the error, which is also thrown.
     */
    private void runFlush(long target) {
        boolean done = false;
        try {
            Long from = segments.floorKey(flushedOffset);
            NavigableMap<Long, LogSegment> dirty = from == null ? segments : segments.tailMap(from, true);
            for (LogSegment s : dirty.values()) {
                if (s.baseOffset > target) {
                    break;
                }
                try {
                    s.flush();
                } catch (ClosedChannelException gone) {
                    if (segments.get(s.baseOffset) == s) {
                        // Closed by a thread interrupt: an fsync of the reopened file covers the same data. Only
                        // tryLock here: close() takes the lock, then waits for flushes.
                        if (!lock.tryLock()) {
                            throw gone;
                        }
                        try {
                            if (!reopenIfLive(s)) {
                                throw gone;
                            }
                        } finally {
                            lock.unlock();
                        }
                        s.flush();
                    } // else removed by retention or compaction meanwhile: nothing to make durable
                }
            }
            done = true;
        } catch (IOException ex) {
            LogException failure = ioFailure("flush", ex);
            completeDurableWaiters(failure);
            throw failure;
        } catch (RuntimeException ex) {
            completeDurableWaiters(ex);
            throw ex;
        } finally {
            synchronized (flushState) {
                flushesRunning--;
                if (done) {
                    if (target > flushedOffset) {
                        flushedOffset = target;
                    }
                    lastFlushMs = clock.millis();
                } else {
                    flushStartedTo = flushedOffset; // what it would have covered is not covered: the next try starts one
                }
                flushState.notifyAll();
            }
            if (done) {
                flushes.incrementAndGet();
            }
        }
        completeDurableWaiters(null);
        handOver();
    }

    /**
     * After a flush: if data that someone waits for is past every started flush (it was written while the maximum of
     * flushes ran), lets one more start: wakes the first such waiting appender (it fsyncs for everyone) or, for async
     * appends, asks for the background flush.
     */
    private void handOver() {
        if (durableWaiters.isEmpty()) {
            return;
        }
        long startedTo;
        synchronized (flushState) {
            startedTo = flushStartedTo;
        }
        for (DurableWaiter w : durableWaiters) {
            if (w.offset > startedTo && !w.future.isDone()) {
                if (w.thread != null) {
                    java.util.concurrent.locks.LockSupport.unpark(w.thread);
                } else {
                    requestBackgroundFlush();
                }
                return;
            }
        }
    }

    /** Makes everything below {@code offset} durable, sharing fsyncs with concurrent callers; blocks until it is. */
    void flushUpTo(long offset) {
        while (flushedOffset < offset) {
            long target = tryStartFlush(offset);
            if (target >= 0) {
                runFlush(target);
                continue;
            }
            boolean interrupted = false;
            synchronized (flushState) {
                // a running flush covers it, or the most are running: wait for one to finish, then look again
                while (flushedOffset < offset && flushesRunning > 0) {
                    try {
                        flushState.wait();
                    } catch (InterruptedException e) {
                        interrupted = true; // as before (a monitor wait): finish, keep the interrupt
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Flushes everything appended so far. */
    public void flush() {
        flushUpTo(end.offset());
    }

    /** Called periodically: flushes if {@code flush.ms} has passed since the last flush and data is waiting. */
    void maybeFlush(long nowMs) {
        long target = end.offset();
        if (flushedOffset < target && nowMs - lastFlushMs >= config.config().flushMs) {
            flushUpTo(target);
        }
    }

    /** Persists the recovery point and log start offset. */
    void checkpoint() {
        lock.lock();
        try {
            if (!closed) {
                writeCheckpoint(false);
            }
        } catch (IOException e) {
            throw ioFailure("checkpoint", e);
        } finally {
            lock.unlock();
        }
    }

    private void writeCheckpoint(boolean clean) throws IOException {
        new PartitionCheckpoint(logStartOffset, flushedOffset, clean, cleanerOffset).write(dir);
    }

    // ------------------------------------------------------------------------------------------------------ read

    /** Reads committed batches from {@code offset}: at most {@code maxBytes}, but always the first batch. */
    public ReadResult read(long offset, int maxBytes) {
        return read(offset, maxBytes, true, ReadLimit.HIGH_WATERMARK);
    }

    /**
     * Whole batches starting with the one that holds {@code offset}, up to {@code maxBytes} (or one batch, however
     * large, with {@code minOneBatch}). The records are a slice of the segment file, ready to be sent without copying.
     * Each batch's CRC is checked on the way out (unless the engine was configured not to): a corrupt batch fails the
     * read with an error naming the file and position; batches before it are still returned.
     *
     * @throws LogException.OffsetOutOfRangeException if {@code offset} is below the log start or above the log end
     */
    public ReadResult read(long offset, int maxBytes, boolean minOneBatch, ReadLimit limit) {
        return read(offset, maxBytes, minOneBatch, limit, false);
    }

    /**
     * A read for the Kafka fetch path: like {@link #read(long, int, boolean, ReadLimit)} up to the high watermark, but
     * the result may end with an incomplete batch, which the Kafka protocol allows and clients drop. That lets a
     * fetch of already-verified data skip reading it entirely (see {@link LogSegment}'s partialTail).
     */
    public ReadResult fetch(long offset, int maxBytes, boolean minOneBatch) {
        return read(offset, maxBytes, minOneBatch, ReadLimit.HIGH_WATERMARK, true);
    }

    /** Reopens every live segment whose channel a thread interrupt closed (see {@link LogSegment#reopenIfClosed}). */
    private void reopenClosedChannels() {
        for (LogSegment s : segments.values()) {
            reopenIfLive(s);
        }
    }

    private boolean reopenIfLive(LogSegment s) {
        lock.lock();
        try {
            return !closed && segments.get(s.baseOffset) == s && s.reopenIfClosed();
        } catch (IOException e) {
            throw ioFailure("reopen a segment of", e);
        } finally {
            lock.unlock();
        }
    }

    /** Retries of a read whose segment retention or compaction removed meanwhile; each removal moves on. */
    private static final int MAX_READ_RETRIES = 16;

    private ReadResult read(long offset, int maxBytes, boolean minOneBatch, ReadLimit limit, boolean partialTail) {
        for (int attempt = 0; ; attempt++) {
            try {
                return readOnce(Math.max(offset, attempt == 0 ? offset : logStartOffset), maxBytes, minOneBatch, limit, partialTail);
            } catch (java.nio.channels.ClosedByInterruptException interrupted) {
                // The reading thread was interrupted: the JDK closed the segment's channel under it (for everyone).
                // Reopen it for the other readers and appenders; this read ends with a clear error, the interrupt kept.
                Thread.currentThread().interrupt();
                reopenClosedChannels();
                throw new LogException.LogIoException("Read of " + topic + "-" + partition + " at offset " + offset
                        + " was interrupted (the reading thread's interrupt closed the segment file's channel)", interrupted);
            } catch (ClosedChannelException gone) {
                ensureOpen(); // closed meanwhile: retrying would find the same closed channels
                reopenClosedChannels(); // closed by another thread's interrupt: open again, then retry
                if (attempt >= MAX_READ_RETRIES) {
                    throw new LogException.LogIoException("Read of " + topic + "-" + partition + " at offset " + offset
                            + " failed " + (attempt + 1) + " times on a closed segment file channel; giving up", gone);
                }
                // The segment was deleted by retention while we read it: the offset is no longer in the log, so the
                // next attempt starts at the (advanced) log start offset.
            } catch (IOException ex) {
                throw ioFailure("read from", ex);
            }
        }
    }

    private ReadResult readOnce(long offset, int maxBytes, boolean minOneBatch, ReadLimit limit, boolean partialTail)
            throws IOException {
        ensureOpen();
        LogEnd e = end;
        LogEnd bound = limit == ReadLimit.HIGH_WATERMARK ? highWatermark : e;
        long start = logStartOffset;
        if (offset < start || offset > e.offset()) {
            throw new LogException.OffsetOutOfRangeException("Offset " + offset + " is out of range for " + topic + "-"
                    + partition + ": log start " + start + ", log end " + e.offset());
        }
        if (offset >= bound.offset() || maxBytes <= 0 && !minOneBatch) {
            return new ReadResult(MemoryRecords.EMPTY, highWatermark.offset(), start, e.offset());
        }
        Long from = segments.floorKey(offset);
        if (from == null) {
            from = segments.firstKey();
        }
        for (LogSegment s : segments.tailMap(from, true).values()) {
            boolean last = s == bound.segment() || s.baseOffset >= bound.segment().baseOffset;
            int maxPosition = last ? bound.position() : s.sizeInBytes();
            LogSegment.Slice slice = s.read(offset, maxBytes, maxPosition, minOneBatch, verifyReads, partialTail);
            if (slice != null) {
                return new ReadResult(slice.records(), highWatermark.offset(), start, e.offset());
            }
            if (last) {
                break;
            }
        }
        return new ReadResult(MemoryRecords.EMPTY, highWatermark.offset(), start, e.offset());
    }

    /**
     * The first offset whose record timestamp is at or after {@code timestamp}, with that timestamp; empty when every
     * committed record is older.
     */
    public Optional<FileRecords.TimestampAndOffset> offsetForTimestamp(long timestamp) {
        ensureOpen();
        long hw = highWatermark.offset();
        long start = logStartOffset;
        try {
            for (LogSegment s : segments.values()) {
                if (s.nextOffset() <= start || s.largestTimestamp() < timestamp) {
                    continue;
                }
                Optional<FileRecords.TimestampAndOffset> found = s.findOffsetByTimestamp(timestamp, start);
                if (found.isPresent()) {
                    return found.get().offset < hw ? found : Optional.empty();
                }
            }
        } catch (IOException ex) {
            throw ioFailure("search", ex);
        }
        return Optional.empty();
    }

    /** Calls {@code listener} with the new log end offset after every append (used to complete waiting fetches). */
    public void addAppendListener(LongConsumer listener) {
        appendListeners.add(listener);
    }

    public void removeAppendListener(LongConsumer listener) {
        appendListeners.remove(listener);
    }

    // ------------------------------------------------------------------------------------------------- retention

    /**
     * Deletes whole segments that are older than {@code retention.ms}, beyond {@code retention.bytes}, or entirely
     * below the log start offset, oldest first, and advances the log start offset. The active segment is rolled first
     * when it alone has expired. Returns the number of segments deleted.
     */
    public int applyRetention(long nowMs) {
        TopicConfig cfg = config.config();
        lock.lock();
        try {
            ensureOpen();
            LogSegment active = end.segment();
            if (cfg.delete && cfg.retentionMs >= 0 && !active.isEmpty()
                    && active.largestTimestamp() >= 0 && active.largestTimestamp() < nowMs - cfg.retentionMs) {
                roll(nowMs);
            }
            long total = sizeInBytes();
            List<LogSegment> doomed = new ArrayList<>();
            for (LogSegment s : segments.values()) {
                if (s == end.segment()) {
                    break;
                }
                boolean belowStart = s.nextOffset() <= logStartOffset;
                // Segments whose records carry no timestamp (-1) age by their file's modification time, as in Kafka.
                long age = s.largestTimestamp() >= 0 ? s.largestTimestamp() : s.file().lastModified();
                boolean expired = cfg.delete && cfg.retentionMs >= 0 && age < nowMs - cfg.retentionMs;
                boolean oversize = cfg.delete && cfg.retentionBytes >= 0 && total - s.sizeInBytes() >= cfg.retentionBytes;
                if (!(belowStart || expired || oversize)) {
                    break;
                }
                doomed.add(s);
                total -= s.sizeInBytes();
            }
            if (doomed.isEmpty()) {
                return 0;
            }
            for (LogSegment s : doomed) {
                segments.remove(s.baseOffset);
                s.markDeleted();
                background.schedule(() -> deleteQuietly(s), cfg.fileDeleteDelayMs);
            }
            logStartOffset = Math.max(logStartOffset, segments.firstKey());
            FileUtil.fsyncDirectory(dir.toPath());
            writeCheckpoint(false);
            log.info("Retention deleted {} segment(s) of {}-{}; log start offset now {}", doomed.size(), topic, partition, logStartOffset);
            return doomed.size();
        } catch (IOException e) {
            throw ioFailure("apply retention to", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes offsets below {@code offset} invisible (Kafka's DeleteRecords) and deletes the segments entirely below it,
     * in one pass of {@link #applyRetention} (which also applies the topic's retention policy, as the next scheduled
     * pass would). Returns the new log start offset.
     */
    public long deleteRecordsBefore(long offset) {
        lock.lock();
        try {
            ensureOpen();
            long hw = highWatermark.offset();
            if (offset < 0 || offset > hw) {
                throw new LogException.OffsetOutOfRangeException("Cannot delete records before " + offset + " of "
                        + topic + "-" + partition + ": it must be between 0 and the high watermark " + hw);
            }
            if (offset > logStartOffset) {
                logStartOffset = offset;
                writeCheckpoint(false);
            }
        } catch (IOException e) {
            throw ioFailure("delete records of", e);
        } finally {
            lock.unlock();
        }
        applyRetention(clock.millis());
        return logStartOffset;
    }

    private void deleteQuietly(LogSegment s) {
        try {
            s.deleteFiles();
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", s.file(), e.toString());
        }
    }

    // ------------------------------------------------------------------------------------------------ compaction

    /** Closed segments (all but the active one), oldest first. */
    List<LogSegment> closedSegments() {
        LogSegment active = end.segment();
        List<LogSegment> out = new ArrayList<>();
        for (LogSegment s : segments.values()) {
            if (s == active) {
                break;
            }
            out.add(s);
        }
        return out;
    }

    /**
     * Replaces {@code old} by {@code cleaned}, a compacted copy with the same base offset whose files carry the
     * {@code .swap} suffix, complete and fsynced. The crash-safe order: old files are renamed {@code *.deleted}; the
     * swap files are renamed to the segment's names, indexes first and the log file last. A crash at any point is
     * completed or undone at the next open by {@link #completeInterruptedSwaps()}. Returns false (and deletes the
     * cleaned files) if {@code old} is no longer a closed segment of this partition.
     */
    boolean replaceSegment(LogSegment old, LogSegment cleaned) throws IOException {
        lock.lock();
        try {
            if (closed || segments.get(old.baseOffset) != old || old == end.segment()) {
                cleaned.close();
                cleaned.markDeletedAndDelete();
                return false;
            }
            old.markDeleted();
            cleaned.changeSuffix("");
            FileUtil.fsyncDirectory(dir.toPath());
            segments.put(old.baseOffset, cleaned);
            background.schedule(() -> deleteQuietly(old), config.config().fileDeleteDelayMs);
            return true;
        } finally {
            lock.unlock();
        }
    }

    long cleanerOffset() {
        return cleanerOffset;
    }

    /** Records a finished compaction pass: its end, and when retained tombstones next need a look. */
    void cleanerDone(long offset, long nextTombstoneCheckMs) {
        cleanerOffset = Math.max(cleanerOffset, offset);
        this.nextTombstoneCheckMs = nextTombstoneCheckMs;
        checkpoint();
    }

    long nextTombstoneCheckMs() {
        return nextTombstoneCheckMs;
    }

    File dir() {
        return dir;
    }

    /** The partition's directory: services derived from the log (the event store's aggregate index) keep files here. */
    public Path directory() {
        return dir.toPath();
    }

    TopicConfig config() {
        return config.config();
    }

    Clock clock() {
        return clock;
    }

    // -------------------------------------------------------------------------------------------------- accessors

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return end.offset();
    }

    public long highWatermark() {
        return highWatermark.offset();
    }

    /** Offset below which every record is known to be fsynced. */
    public long durableOffset() {
        return flushedOffset;
    }

    /** Number of flush passes (each fsyncs the segments holding unflushed data) since the partition was opened. */
    public long flushCount() {
        return flushes.get();
    }

    /**
     * Records appended since this partition was opened (or created), by any client: a counter for rates. It starts
     * again at 0 when the engine is reopened.
     */
    public long appendedRecords() {
        return appendedRecords;
    }

    /** Bytes of record batches appended since this partition was opened (or created); see {@link #appendedRecords()}. */
    public long appendedBytes() {
        return appendedBytes;
    }

    public long sizeInBytes() {
        long total = 0;
        for (LogSegment s : segments.values()) {
            total += s.sizeInBytes();
        }
        return total;
    }

    /** A description of each segment, oldest first, for consoles and tools. */
    public List<SegmentInfo> segments() {
        List<SegmentInfo> out = new ArrayList<>();
        for (Map.Entry<Long, LogSegment> en : segments.entrySet()) {
            LogSegment s = en.getValue();
            out.add(new SegmentInfo(s.baseOffset, s.nextOffset(), s.sizeInBytes(), s.largestTimestamp(), s == end.segment()));
        }
        return out;
    }

    public record SegmentInfo(long baseOffset, long nextOffset, long sizeInBytes, long largestTimestamp, boolean active) {
    }

    private long floorBase(long offset) {
        Long k = segments.floorKey(offset);
        return k == null ? segments.firstKey() : k;
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogException.LogClosedException(topic + "-" + partition + " is closed");
        }
    }

    private LogException ioFailure(String what, IOException e) {
        return new LogException.LogIoException("Failed to " + what + " " + topic + "-" + partition + " in " + dir + ": " + e, e);
    }

    /** Flushes and closes every segment and records a clean shutdown, so the next open skips recovery. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            flush();
            for (LogSegment s : segments.values()) {
                s.close();
            }
            closed = true;
            completeDurableWaiters(new LogException.LogClosedException(topic + "-" + partition + " is closed"));
            writeCheckpoint(true);
        } catch (IOException e) {
            throw ioFailure("close", e);
        } finally {
            lock.unlock();
        }
    }

    /** Closes without a clean-shutdown mark: for deletion of the partition. */
    void closeForDelete() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                completeDurableWaiters(new LogException.LogClosedException(topic + "-" + partition + " was deleted"));
                for (LogSegment s : segments.values()) {
                    try {
                        s.close();
                    } catch (IOException e) {
                        log.debug("close before delete: {}", e.toString());
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "PartitionLog(" + topic + "-" + partition + ", start=" + logStartOffset + ", end=" + end.offset() + ")";
    }
}
