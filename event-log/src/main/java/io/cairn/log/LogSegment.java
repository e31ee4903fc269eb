package io.cairn.log;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment of a partition: {@code <baseOffset>.log} (record batches, v2, exactly as produced, with offsets assigned)
 * plus its {@link OffsetIndex} ({@code .index}) and {@link TimeIndex} ({@code .timeindex}). The base offset is written
 * as 20 zero-padded digits so that file names sort in offset order.
 *
 * <p>Thread-safety: not thread-safe for writers. Appends, truncation, recovery and closing are done by the owning
 * {@link PartitionLog} under its append lock; reads may run concurrently with an append as long as they stay below
 * the end position the partition has published.
 */
final class LogSegment {
    private static final Logger log = LoggerFactory.getLogger(LogSegment.class);
    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";
    static final String DELETED_SUFFIX = ".deleted";
    static final String CLEANED_SUFFIX = ".cleaned";
    static final String SWAP_SUFFIX = ".swap";

    final long baseOffset;
    private final File dir;
    private String suffix = "";
    private final TopicConfigHolder config;
    /** Replaced only by {@link #reopenIfClosed()}, under the partition's lock. */
    private volatile FileRecords records;
    private volatile boolean closedOnPurpose;
    private OffsetIndex offsetIndex;
    private TimeIndex timeIndex;
    private volatile long nextOffset;
    private volatile long largestTimestamp = RecordBatch.NO_TIMESTAMP;
    private long rollingBaseTimeMs;
    private int bytesSinceLastIndexEntry;
    private long maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
    private int truncatedAtOpen;
    /**
     * Bytes [0, verifiedTo) of the file passed a CRC check in this process: they were validated before being
     * appended, checked by a recovery scan, or checked by an earlier verified read. Reads below it need not check
     * again; see docs/durability.md ("Verifying reads once").
     */
    private final AtomicInteger verifiedTo = new AtomicInteger();

    /** Gives segments the topic's current config (it can change at runtime). */
    interface TopicConfigHolder {
        TopicConfig config();
    }

    private LogSegment(File dir, long baseOffset, TopicConfigHolder config) {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.config = config;
        this.nextOffset = baseOffset;
    }

    static String fileName(long offset, String suffix) {
        return String.format("%020d%s", offset, suffix);
    }

    static File logFile(File dir, long baseOffset) {
        return new File(dir, fileName(baseOffset, LOG_SUFFIX));
    }

    /** Creates a new, empty, active segment. */
    static LogSegment create(File dir, long baseOffset, TopicConfigHolder config, long nowMs) throws IOException {
        return create(dir, baseOffset, config, nowMs, "");
    }

    /**
     * Creates a new, empty segment whose three files carry {@code suffix} after their usual names (compaction writes
     * {@code .cleaned} segments and renames them later with {@link #changeSuffix}).
     */
    static LogSegment create(File dir, long baseOffset, TopicConfigHolder config, long nowMs, String suffix) throws IOException {
        LogSegment s = new LogSegment(dir, baseOffset, config);
        s.suffix = suffix;
        File f = s.file(LOG_SUFFIX);
        Files.deleteIfExists(f.toPath());
        Files.deleteIfExists(s.file(INDEX_SUFFIX).toPath());
        Files.deleteIfExists(s.file(TIME_INDEX_SUFFIX).toPath());
        s.records = FileRecords.open(f, true);
        s.openIndexes(true);
        s.rollingBaseTimeMs = nowMs;
        return s;
    }

    /**
     * Opens an existing segment. With {@code recover}, every batch is checked and the indexes are rebuilt, truncating
     * a torn or corrupt tail; otherwise the indexes are trusted after a sanity check (and rebuilt if it fails) and only
     * the bytes after the last index entry are read to find the end.
     */
    static LogSegment open(File dir, long baseOffset, TopicConfigHolder config, boolean active, boolean recover, long nowMs)
            throws IOException {
        LogSegment s = new LogSegment(dir, baseOffset, config);
        s.records = FileRecords.open(logFile(dir, baseOffset), true);
        boolean rebuild = recover || (s.records.sizeInBytes() > 0 && !s.file(INDEX_SUFFIX).exists());
        if (!rebuild) {
            try {
                s.openIndexes(active);
                s.offsetIndex.sanityCheck();
                s.timeIndex.sanityCheck();
                s.loadTail(nowMs);
            } catch (AbstractIndex.CorruptIndexException | LogException.CorruptBatchException e) {
                log.warn("Rebuilding the indexes of {}: {}", s.records.file(), e.getMessage());
                rebuild = true;
            }
        }
        if (rebuild) {
            s.truncatedAtOpen = s.rebuild(active, nowMs);
        }
        return s;
    }

    /** Bytes of torn or corrupt tail that {@link #open} cut off. */
    int truncatedAtOpen() {
        return truncatedAtOpen;
    }

    /** Deletes the three files of the segment {@code baseOffset} in {@code dir} (an unopened one). */
    static void deleteFiles(File dir, long baseOffset) throws IOException {
        for (String kind : new String[]{LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX}) {
            Files.deleteIfExists(new File(dir, fileName(baseOffset, kind)).toPath());
        }
    }

    private File file(String kind) {
        return new File(dir, fileName(baseOffset, kind) + suffix);
    }

    /** Renames the three files from the current suffix to {@code newSuffix}: indexes first, the log file last. */
    void changeSuffix(String newSuffix) throws IOException {
        suffix = newSuffix;
        offsetIndex.renameTo(file(INDEX_SUFFIX));
        timeIndex.renameTo(file(TIME_INDEX_SUFFIX));
        records.renameTo(file(LOG_SUFFIX));
    }

    private void openIndexes(boolean writable) throws IOException {
        int maxIndexBytes = config.config().segmentIndexBytes;
        File idx = file(INDEX_SUFFIX);
        File tidx = file(TIME_INDEX_SUFFIX);
        offsetIndex = new OffsetIndex(idx, baseOffset, maxIndexBytes, writable);
        timeIndex = new TimeIndex(tidx, baseOffset, maxIndexBytes, writable);
    }

    /** Clean open: trust the indexes, read the batches after the last offset index entry to find the end. */
    private void loadTail(long nowMs) throws IOException {
        int n = offsetIndex.entries();
        int from = 0;
        if (n > 0) {
            from = offsetIndex.position(n - 1);
            if (from >= records.sizeInBytes()) {
                throw new AbstractIndex.CorruptIndexException(offsetIndex.file + ": last entry points past the end of the log");
            }
        }
        if (n == 0 && records.sizeInBytes() > 0) {
            throw new AbstractIndex.CorruptIndexException(offsetIndex.file + ": empty, but the log holds data (the first batch is always indexed)");
        }
        // The time index's last entry holds the largest timestamp up to and including its batch, so the scan starts
        // there (usually the batch of the last offset index entry too): the batches after it give the segment's largest
        // timestamp, and show whether the time index lacks entries (a truncated file passes every other check).
        int tn = timeIndex.entries();
        int entry = n - 1;
        if (n > 0) {
            if (tn == 0) {
                throw new AbstractIndex.CorruptIndexException(timeIndex.file + ": empty, but the log holds data (the first batch is always indexed)");
            }
            long timeIndexed = timeIndex.offset(tn - 1);
            entry = offsetIndex.lookup(timeIndexed);
            if (entry < 0 || offsetIndex.offset(entry) != timeIndexed) {
                throw new AbstractIndex.CorruptIndexException(timeIndex.file + ": last entry names offset " + timeIndexed
                        + ", which has no offset index entry");
            }
        }
        long lastTimeIndexed = timeIndex.lastTimestamp();
        boolean timeIndexFull = tn >= config.config().segmentIndexBytes / TimeIndex.ENTRY_SIZE;
        int scanFrom = n > 0 ? offsetIndex.position(entry) : 0;
        long largest = lastTimeIndexed;
        long next = baseOffset;
        int lastPosition = scanFrom;
        int lastBatchStart = scanFrom;
        try (BatchScanner scan = scanner(scanFrom, records.sizeInBytes(), false, indexScanReadAhead())) {
            int nextEntry = entry; // the offset index entry the scan meets next
            while (scan.next()) {
                boolean indexed = nextEntry >= 0 && nextEntry < n && scan.position() == offsetIndex.position(nextEntry);
                if (indexed) {
                    if (scan.baseOffset() != offsetIndex.offset(nextEntry)) {
                        throw new AbstractIndex.CorruptIndexException(offsetIndex.file + ": entry " + nextEntry + " names offset "
                                + offsetIndex.offset(nextEntry) + " but the batch there starts at " + scan.baseOffset());
                    }
                    nextEntry++;
                } else if (nextEntry >= 0 && nextEntry < n && scan.position() > offsetIndex.position(nextEntry)) {
                    throw new AbstractIndex.CorruptIndexException(offsetIndex.file + ": entry " + nextEntry
                            + " points inside a batch");
                }
                largest = Math.max(largest, scan.maxTimestamp());
                if (indexed && largest > lastTimeIndexed && !timeIndexFull) {
                    throw new AbstractIndex.CorruptIndexException(timeIndex.file + ": no entry for timestamp " + largest
                            + " at offset " + scan.baseOffset() + "; entries are missing (truncated index)");
                }
                next = scan.lastOffset() + 1;
                lastBatchStart = scan.position();
                lastPosition = scan.position() + scan.size();
            }
            if (lastBatchStart - from >= config.config().indexIntervalBytes && lastBatchStart > from) {
                throw new AbstractIndex.CorruptIndexException(offsetIndex.file + ": ends " + (lastBatchStart - from)
                        + " bytes before the last batch; entries are missing (truncated index)");
            }
            if (scan.invalidReason() != null) {
                // A clean shutdown never leaves a bad tail: the file changed behind our back.
                throw new LogException.CorruptBatchException(scan.describeFailure());
            }
            if (nextEntry >= 0 && nextEntry < n) {
                throw new AbstractIndex.CorruptIndexException(offsetIndex.file + ": entry " + nextEntry
                        + " does not point at a batch");
            }
        }
        if (lastPosition != records.sizeInBytes()) {
            throw new LogException.CorruptBatchException(records.file() + ": data ends at " + lastPosition + " but the file has " + records.sizeInBytes() + " bytes");
        }
        nextOffset = next;
        largestTimestamp = largest;
        maxTimestampSoFar = largest;
        rollingBaseTimeMs = firstBatchTimestamp().orElse(nowMs);
        bytesSinceLastIndexEntry = records.sizeInBytes() - from;
    }

    private Optional<Long> firstBatchTimestamp() throws IOException {
        if (records.sizeInBytes() == 0) {
            return Optional.empty();
        }
        try (BatchScanner scan = scanner(0, records.sizeInBytes(), false, BatchScanner.HEADER_SIZE)) {
            if (scan.next() && scan.maxTimestamp() >= 0) {
                return Optional.of(scan.maxTimestamp());
            }
        }
        return Optional.empty();
    }

    /**
     * Scans the whole file checking every batch, rebuilds both indexes and truncates at the first invalid batch.
     * Returns the number of bytes truncated.
     */
    int rebuild(boolean active, long nowMs) throws IOException {
        // Either index may be missing: opening the time index can fail after the offset index opened fine.
        if (offsetIndex != null) {
            offsetIndex.abandon();
        }
        if (timeIndex != null) {
            timeIndex.abandon();
        }
        Files.deleteIfExists(file(INDEX_SUFFIX).toPath());
        Files.deleteIfExists(file(TIME_INDEX_SUFFIX).toPath());
        openIndexes(true);
        bytesSinceLastIndexEntry = 0;
        maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
        long next = baseOffset;
        int validBytes = 0;
        int truncated = 0;
        try (BatchScanner scan = scanner(0, records.sizeInBytes(), true)) {
            while (scan.next()) {
                if (scan.baseOffset() < baseOffset) {
                    scan.close();
                    throw new LogException.CorruptBatchException(records.file() + " at position " + scan.position()
                            + ": batch offset " + scan.baseOffset() + " is below the segment's base offset " + baseOffset);
                }
                indexBatch(scan.baseOffset(), scan.position(), scan.size(), scan.maxTimestamp());
                next = scan.lastOffset() + 1;
                validBytes = scan.position() + scan.size();
            }
            if (scan.invalidReason() != null) {
                truncated = records.sizeInBytes() - validBytes;
                log.warn("Truncating {} bytes of {}: {}", truncated, records.file(), scan.describeFailure());
                records.truncateTo(validBytes);
            }
        }
        verifiedTo.set(validBytes);
        nextOffset = next;
        largestTimestamp = maxTimestampSoFar;
        rollingBaseTimeMs = firstBatchTimestamp().orElse(nowMs);
        if (!active) {
            offsetIndex.trimToSize();
            timeIndex.trimToSize();
        }
        return truncated;
    }

    /** A full scan: large reads; with {@code checkCrc} every batch is read whole and checked. */
    BatchScanner scanner(int from, int to, boolean checkCrc) {
        return new BatchScanner(records.channel(), records.file(), from, to, checkCrc, Integer.MAX_VALUE, 1 << 20);
    }


    /** A scanner for a short scan: reads about {@code readAhead} bytes at a time instead of 1 MB. */
    BatchScanner scanner(int from, int to, boolean checkCrc, int readAhead) {
        return new BatchScanner(records.channel(), records.file(), from, to, checkCrc, Integer.MAX_VALUE, readAhead);
    }

    /** Read-ahead for header scans that start at an index entry: the entries are about this far apart. */
    private int indexScanReadAhead() {
        return Math.max(4096, config.config().indexIntervalBytes + BatchScanner.HEADER_SIZE);
    }

    private void indexBatch(long batchBaseOffset, int position, int size, long batchMaxTimestamp) {
        maxTimestampSoFar = Math.max(maxTimestampSoFar, batchMaxTimestamp);
        if (offsetIndex.entries() == 0 || bytesSinceLastIndexEntry >= config.config().indexIntervalBytes) {
            if (!offsetIndex.isFull()) {
                offsetIndex.append(batchBaseOffset, position);
                timeIndex.maybeAppend(maxTimestampSoFar, batchBaseOffset);
                bytesSinceLastIndexEntry = 0;
            }
        }
        bytesSinceLastIndexEntry += size;
    }

    /**
     * Appends validated batches whose offsets are already assigned. Writes the data, then the index entries.
     * Returns the file position where the data went.
     */
    int append(MemoryRecords batches, long lastOffset, long nowMs) throws IOException {
        int position = records.sizeInBytes();
        if (position == 0) {
            rollingBaseTimeMs = nowMs;
        }
        records.append(batches);
        // The caller validated every batch (CRC included) before appending: a verified prefix grows with it.
        verifiedTo.compareAndSet(position, position + batches.sizeInBytes());
        int p = position;
        for (MutableRecordBatch b : batches.batches()) {
            indexBatch(b.baseOffset(), p, b.sizeInBytes(), b.maxTimestamp());
            p += b.sizeInBytes();
        }
        largestTimestamp = maxTimestampSoFar;
        nextOffset = lastOffset + 1;
        return position;
    }

    /** Result of {@link #read}: whole batches starting with the one that holds the requested offset. */
    record Slice(FileRecords records, int position) {
    }

    /**
     * Whole batches from the one containing {@code offset}, at most {@code maxBytes} (but at least one batch when
     * {@code minOneBatch}), ending at or before {@code maxPosition}. Each returned batch passed its CRC check when
     * {@code verify}; a corrupt first batch throws {@link LogException.CorruptBatchException} naming the file and
     * position, a corrupt later one ends the slice before it. Returns null if no batch at or after {@code offset} lies
     * below {@code maxPosition}, and an empty slice if the first batch is larger than {@code maxBytes} without
     * {@code minOneBatch}.
     */
    Slice read(long offset, int maxBytes, int maxPosition, boolean minOneBatch, boolean verify) throws IOException {
        return read(offset, maxBytes, maxPosition, minOneBatch, verify, false);
    }

    /**
     * Like {@link #read(long, int, int, boolean, boolean)}; with {@code partialTail}, a read lying wholly in the
     * verified prefix may end inside a batch, as the Kafka fetch protocol allows (clients drop an incomplete last
     * batch). Such a read needs no pass over the data at all: the slice is sent with sendfile, unread by the broker.
     * It still starts with one whole batch (or is empty when that batch exceeds maxBytes without minOneBatch).
     */
    Slice read(long offset, int maxBytes, int maxPosition, boolean minOneBatch, boolean verify, boolean partialTail)
            throws IOException {
        int start = positionOf(offset, maxPosition);
        if (start < 0) {
            return null;
        }
        int verified = verify ? verifiedTo.get() : maxPosition;
        if (partialTail && start < verified) {
            int first = batchSizeAt(start);
            int end = (int) Math.min((long) maxPosition, (long) start + Math.max(maxBytes, minOneBatch ? first : 0));
            if (first > end - start) {
                if (!minOneBatch) {
                    return new Slice(records.slice(start, 0), start);
                }
            } else if (end <= verified) {
                return new Slice(records.slice(start, end - start), start);
            }
        }
        int taken = 0;
        boolean firstTooLarge = false;
        try (BatchScanner scan = scanner(start, maxPosition, verify, maxBytes)) {
            // A batch that would not fit is not read (nor CRC-checked): next(limit) stops before it.
            while (scan.next(taken == 0 && minOneBatch ? Integer.MAX_VALUE : maxBytes - taken)) {
                taken += scan.size();
                if (taken >= maxBytes) {
                    break;
                }
            }
            // Stopped at a batch (not at the end, not at a corrupt one) before taking any: it did not fit.
            firstTooLarge = taken == 0 && scan.invalidReason() == null && scan.position() < maxPosition;
            if (taken == 0 && scan.invalidReason() != null) {
                throw new LogException.CorruptBatchException("Cannot read offset " + offset + ": corrupt batch in " + scan.describeFailure());
            }
        }
        if (firstTooLarge) {
            // The batch holding the offset does not fit in maxBytes: the read is empty. Returning null would make the
            // caller read the next segment instead, and the reader would skip this batch.
            return new Slice(records.slice(start, 0), start);
        }
        if (taken == 0) {
            return null;
        }
        if (verify && start <= verified) {
            verifiedTo.accumulateAndGet(start + taken, Math::max);
        }
        return new Slice(records.slice(start, taken), start);
    }

    private static final ThreadLocal<java.nio.ByteBuffer> SIZE_PREFIX =
            ThreadLocal.withInitial(() -> java.nio.ByteBuffer.allocate(BatchScanner.LOG_OVERHEAD));

    /** Size of the batch at {@code position} (a batch start inside the verified prefix) from its size prefix. */
    private int batchSizeAt(int position) throws IOException {
        java.nio.ByteBuffer b = SIZE_PREFIX.get().clear();
        while (b.hasRemaining()) {
            if (records.channel().read(b, position + b.position()) < 0) {
                throw new IOException(records.file() + ": file ended inside the batch header at position " + position);
            }
        }
        return BatchScanner.LOG_OVERHEAD + b.getInt(8);
    }

    /**
     * File position of the batch containing {@code offset} (or of the first batch after it), or -1 if there is none
     * before {@code maxPosition}. Uses the offset index, and checks the entry it uses against the batch it points to.
     */
    int positionOf(long offset, int maxPosition) throws IOException {
        int from = 0;
        int entry = offsetIndex.lookup(offset);
        long expected = -1;
        if (entry >= 0) {
            from = offsetIndex.position(entry);
            expected = offsetIndex.offset(entry);
        }
        if (from >= maxPosition) {
            if (entry >= 0 && from < records.sizeInBytes()) {
                return -1; // the batch exists but is not yet visible
            }
            from = 0;
            expected = -1;
        }
        try (BatchScanner scan = scanner(from, maxPosition, false, indexScanReadAhead())) {
            boolean first = true;
            while (scan.next()) {
                if (first && expected >= 0 && scan.baseOffset() != expected) {
                    throw new LogException.CorruptBatchException(offsetIndex.file + ": entry for offset " + expected
                            + " points to position " + from + " where a batch of offset " + scan.baseOffset() + " starts");
                }
                first = false;
                if (scan.lastOffset() >= offset) {
                    return scan.position();
                }
            }
            if (scan.invalidReason() != null) {
                throw new LogException.CorruptBatchException("Cannot find offset " + offset + ": " + scan.describeFailure());
            }
        }
        return -1;
    }

    /** First offset at or after {@code offset} whose record timestamp is at least {@code timestamp}. */
    Optional<FileRecords.TimestampAndOffset> findOffsetByTimestamp(long timestamp, long startingOffset) throws IOException {
        if (largestTimestamp < timestamp) {
            return Optional.empty();
        }
        int entry = timeIndex.lookupBefore(timestamp);
        long from = entry < 0 ? baseOffset : timeIndex.offset(entry);
        int position = positionOf(Math.max(from, startingOffset), records.sizeInBytes());
        if (position < 0) {
            return Optional.empty();
        }
        return Optional.ofNullable(records.searchForTimestamp(timestamp, position, startingOffset));
    }

    boolean shouldRoll(int incomingBytes, long nowMs) {
        TopicConfig c = config.config();
        int size = records.sizeInBytes();
        if (size == 0) {
            return false;
        }
        return size > c.segmentBytes - incomingBytes
                || nowMs - rollingBaseTimeMs > c.segmentMs
                || offsetIndex.isFull() || timeIndex.isFull()
                || nextOffset - baseOffset > Integer.MAX_VALUE - 1_000_000L;
    }

    /** Fsyncs the data and trims the indexes: for a segment that is complete (compaction output). */
    void onRoll() throws IOException {
        records.flush();
        trimIndexes();
    }

    /**
     * Trims the indexes to their entries, when this segment stops being the active one. Does not fsync the data: the
     * partition flushes a rolled segment off the append path, and its recovery point passes the segment only after.
     */
    void trimIndexes() throws IOException {
        offsetIndex.trimToSize();
        timeIndex.trimToSize();
    }

    /**
     * Makes the data durable with {@code fdatasync} ({@code force(false)}): it writes the data and the metadata needed
     * to read it back (the file length), but not the modification time, which an {@code fsync} would also journal on
     * every append. See docs/durability.md.
     */
    void flush() throws IOException {
        records.channel().force(false);
    }

    long nextOffset() {
        return nextOffset;
    }

    long largestTimestamp() {
        return largestTimestamp;
    }

    int sizeInBytes() {
        return records.sizeInBytes();
    }

    FileRecords records() {
        return records;
    }

    File file() {
        return records.file();
    }

    boolean isEmpty() {
        return records.sizeInBytes() == 0;
    }

    void close() throws IOException {
        closedOnPurpose = true;
        offsetIndex.close();
        timeIndex.close();
        records.close();
    }

    /**
     * Opens the log file again if its channel was closed under us: the JDK closes a {@link java.nio.channels.FileChannel}
     * for every user when a thread blocked in it is interrupted (Debezium, for one, interrupts its threads). The file
     * is cut back to the size this segment knows, dropping what an interrupted write may have left after it. Caller
     * holds the partition's lock. Returns whether it reopened the file.
     */
    boolean reopenIfClosed() throws IOException {
        FileRecords old = records;
        if (closedOnPurpose || old.channel().isOpen()) {
            return false;
        }
        int size = old.sizeInBytes();
        // Opening runs channel operations that an interrupted caller would abort (closing the new channel at once).
        boolean interrupted = Thread.interrupted();
        try {
            FileRecords fresh = FileRecords.open(old.file(), true);
            if (fresh.sizeInBytes() > size) {
                fresh.truncateTo(size);
            }
            records = fresh;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        log.warn("Reopened {}: a thread interrupt had closed its channel", old.file());
        return true;
    }

    /**
     * Renames the files to {@code *.deleted} so that a restart will not load them, keeping them open for readers that
     * still hold slices; {@link #deleteFiles()} removes them later. The index mappings stay too: a reader that looked
     * the segment up just before it was replaced (compaction) or dropped (retention) still uses them; they go when the
     * segment object is no longer referenced.
     */
    void markDeleted() throws IOException {
        closedOnPurpose = true;
        for (String kind : new String[]{LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX}) {
            File f = file(kind);
            if (f.exists()) {
                Files.move(f.toPath(), new File(dir, fileName(baseOffset, kind) + DELETED_SUFFIX).toPath(), StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    /** Deletes the files of a segment that never became part of the log (abandoned compaction output). */
    void markDeletedAndDelete() throws IOException {
        for (String kind : new String[]{LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX}) {
            Files.deleteIfExists(file(kind).toPath());
        }
    }

    void deleteFiles() throws IOException {
        records.closeHandlers();
        for (String kind : new String[]{LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX}) {
            Files.deleteIfExists(new File(dir, fileName(baseOffset, kind) + DELETED_SUFFIX).toPath());
        }
    }

    @Override
    public String toString() {
        return "LogSegment(" + records.file() + ", next=" + nextOffset + ", size=" + records.sizeInBytes() + ")";
    }
}
