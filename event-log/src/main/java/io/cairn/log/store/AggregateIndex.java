package io.cairn.log.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Arrays;
import java.util.zip.CRC32C;

import io.cairn.log.LogException;
import io.cairn.log.PartitionLog;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition's aggregate index: aggregate id → last sequence number and the offsets of the batches holding its
 * events ("postings", each with the sequence of the aggregate's first event in that batch), so that loading an
 * aggregate reads only its own batches. Derived from the log alone: it covers offsets [log start, {@link #indexedTo()})
 * and catches up by reading the log from there, whoever appended (the store, a Kafka producer, REST).
 *
 * <p>Indexing rule: a record counts as an event of aggregate A when its key is A and its {@link EventHeaders#SEQUENCE}
 * header is greater than A's last sequence. Records without the header or with a sequence that does not move forward
 * (a duplicate) are not indexed. Forward gaps are accepted because retention and compaction remove events from the
 * log, and a rebuilt index must still find what survived; the store's own appends never leave a gap (each append is
 * conditional on the last sequence, and its events are numbered from last + 1).
 *
 * <h2>Files (in the partition's directory), all numbers big-endian</h2>
 * Both files are memory-mapped ({@link MappedFile}): the heap holds no per-aggregate state, whatever the number of
 * aggregates.
 * <pre>
 * aggregates.idx — open-addressing hash table (linear probing), capacity a power of two, load factor ≤ 0.7
 *   header, 64 bytes:
 *     0  int   magic 0x43414958 ("CAIX")     4  int  format version (1)
 *     8  int   state: 0 clean, 1 dirty       12  int  log2 of the slot count
 *    16  long  aggregates                    24  long indexedTo: the file indexes exactly offsets below it
 *    32  long  bytes used in aggregates.dat  40  long reserved
 *    48  int   CRC-32C of bytes [0, 48)
 *   slot i at 64 + 32 * i:
 *     0  long  64-bit hash of the aggregate id (0: empty slot)
 *     8  long  position of the aggregate's record in aggregates.dat
 *    16  long  last sequence number
 *    24  long  position of its last postings block in aggregates.dat
 * aggregates.dat — aggregate records and postings blocks, appended; none crosses a 64 MiB boundary
 *   0  int magic 0x43414944 ("CAID"), 4 int format version (1); records start at 8
 *   aggregate record: int id length, the id's UTF-8 bytes, zero padding to a multiple of 8, then its first postings
 *     block (so the chain of blocks starts right after the id)
 *   postings block: long position of the next block (0: none), int capacity, int count, then count entries of
 *     (long offset of the aggregate's first record in the batch, long that record's sequence number); capacities
 *     start at 2 and double up to 1024
 * </pre>
 * Hash collisions are resolved by comparing the stored id bytes.
 *
 * <h2>Checkpoints and recovery</h2>
 * A checkpoint flushes the log (so nothing the index claims can be lost by a crash), forces both files to disk and
 * then writes a clean header with {@code indexedTo}. The first change after a checkpoint marks the header dirty and
 * forces it before the change is made. At open, a clean header that passes its checks (magic, version, CRC, sizes,
 * {@code indexedTo} within the log) is trusted and the log after {@code indexedTo} is replayed; anything else (files
 * missing, corrupt, or dirty because the process died between checkpoints) makes the index start empty and rebuild
 * itself from the log. See docs/event-store.md.
 *
 * <p>Thread-safety: every method must be called holding {@link #lock}.
 */
final class AggregateIndex implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(AggregateIndex.class);

    static final String TABLE_FILE = "aggregates.idx";
    static final String DATA_FILE = "aggregates.dat";
    private static final int TABLE_MAGIC = 0x43414958;
    private static final int DATA_MAGIC = 0x43414944;
    private static final int VERSION = 1;
    private static final int HEADER = 64;
    private static final int CRC_COVERS = 48;
    private static final int SLOT = 32;
    private static final int MIN_SLOTS_LOG2 = 10;
    private static final int MAX_SLOTS_LOG2 = 31;
    private static final int BLOCK_HEADER = 16;
    private static final int ENTRY = 16;
    private static final int FIRST_BLOCK_CAPACITY = 2;
    private static final int MAX_BLOCK_CAPACITY = 1024;
    /** Bytes read from the log per catch-up step. */
    private static final int CATCH_UP_READ_BYTES = 1 << 20;
    /** A checkpoint is due after this many indexed events, or this long after the first change since the last one. */
    private static final long CHECKPOINT_EVENTS = 200_000;
    private static final long CHECKPOINT_MS = 10_000;

    /** 64-bit hash of an aggregate id; never 0 (the empty slot). Replaceable in tests to force collisions. */
    interface KeyHash {
        long hash(byte[] key);
    }

    /** The postings of an aggregate from a requested sequence on, and its last sequence at the time of the lookup. */
    record Lookup(long lastSequence, long[] offsets, long[] firstSequences) {
        int size() {
            return offsets.length;
        }
    }

    final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    private final PartitionLog log;
    private final KeyHash hasher;
    private final Clock clock;
    private final Path tablePath;
    private final Path dataPath;
    private MappedFile table;
    private MappedFile data;
    private int slotsLog2;
    private long mask;
    private long count;
    private long dataEnd;
    private long indexedTo;
    private boolean dirty;
    private long eventsSinceCheckpoint;
    private long dirtySinceMs;
    private boolean closed;
    /** How this index came to be at open: for logs and tests. */
    private String origin;

    private AggregateIndex(PartitionLog log, KeyHash hasher, Clock clock) {
        this.log = log;
        this.hasher = hasher;
        this.clock = clock;
        this.tablePath = log.directory().resolve(TABLE_FILE);
        this.dataPath = log.directory().resolve(DATA_FILE);
    }

    static AggregateIndex open(PartitionLog log, Clock clock) {
        return open(log, AggregateIndex::hash64, clock);
    }

    /** Opens the partition's index files, or starts a new index (rebuilt from the log as it catches up). */
    static AggregateIndex open(PartitionLog log, KeyHash hasher, Clock clock) {
        AggregateIndex index = new AggregateIndex(log, hasher, clock);
        try {
            String why = index.load();
            if (why != null) {
                if (!why.isEmpty()) {
                    logger.warn("Rebuilding the aggregate index of {}-{} from the log: {}", log.topic(), log.partition(), why);
                }
                index.reset();
                index.origin = why.isEmpty() ? "new" : "rebuilt: " + why;
            } else {
                index.origin = "loaded";
            }
        } catch (IOException e) {
            index.closeFiles();
            throw new LogException.LogIoException("Cannot open the aggregate index of " + log + ": " + e, e);
        }
        return index;
    }

    /** Loads the files; returns null when they were trusted, else why not ("" when there were none). */
    private String load() throws IOException {
        boolean tableExists = Files.exists(tablePath);
        boolean dataExists = Files.exists(dataPath);
        if (!tableExists && !dataExists) {
            return "";
        }
        if (!tableExists || !dataExists) {
            return "one of " + TABLE_FILE + " and " + DATA_FILE + " is missing";
        }
        if (Files.size(tablePath) < HEADER || Files.size(dataPath) < 8) {
            return "a file is shorter than its header";
        }
        table = new MappedFile(tablePath, 0);
        data = new MappedFile(dataPath, 0);
        if (table.getInt(0) != TABLE_MAGIC || table.getInt(4) != VERSION || data.getInt(0) != DATA_MAGIC || data.getInt(4) != VERSION) {
            return "not an aggregate index of format version " + VERSION;
        }
        if (table.getInt(CRC_COVERS) != headerCrc()) {
            return "header CRC mismatch";
        }
        if (table.getInt(8) != 0) {
            return "not closed at a checkpoint (the process stopped while it was changing)";
        }
        int log2 = table.getInt(12);
        long n = table.getLong(16);
        long covered = table.getLong(24);
        long used = table.getLong(32);
        if (log2 < MIN_SLOTS_LOG2 || log2 > MAX_SLOTS_LOG2 || table.length() < HEADER + ((long) SLOT << log2)
                || n < 0 || n > (1L << log2) || used < 8 || used > data.length()) {
            return "sizes in the header do not match the files";
        }
        if (covered < 0 || covered > log.logEndOffset()) {
            return "it covers offsets up to " + covered + ", past the log end " + log.logEndOffset();
        }
        slotsLog2 = log2;
        mask = (1L << log2) - 1;
        count = n;
        dataEnd = used;
        indexedTo = Math.max(covered, log.logStartOffset());
        return null;
    }

    private void reset() throws IOException {
        closeFiles();
        Files.deleteIfExists(tablePath);
        Files.deleteIfExists(dataPath);
        slotsLog2 = MIN_SLOTS_LOG2;
        mask = (1L << slotsLog2) - 1;
        table = new MappedFile(tablePath, HEADER + ((long) SLOT << slotsLog2));
        data = new MappedFile(dataPath, 4096);
        data.putInt(0, DATA_MAGIC);
        data.putInt(4, VERSION);
        count = 0;
        dataEnd = 8;
        indexedTo = log.logStartOffset();
        dirty = false;
        writeHeader(1);
        dirty = true;
        dirtySinceMs = clock.millis();
    }

    private void writeHeader(int state) {
        table.putInt(0, TABLE_MAGIC);
        table.putInt(4, VERSION);
        table.putInt(8, state);
        table.putInt(12, slotsLog2);
        table.putLong(16, count);
        table.putLong(24, indexedTo);
        table.putLong(32, dataEnd);
        table.putLong(40, 0);
        table.putInt(CRC_COVERS, headerCrc());
        table.forceHead(HEADER);
    }

    private int headerCrc() {
        byte[] head = new byte[CRC_COVERS];
        table.get(0, head);
        CRC32C crc = new CRC32C();
        crc.update(head);
        return (int) crc.getValue();
    }

    /** Before the first change after a checkpoint: the header on disk says dirty before any change can reach it. */
    private void beforeChange() {
        if (!dirty) {
            writeHeader(1);
            dirty = true;
            dirtySinceMs = clock.millis();
        }
    }

    long indexedTo() {
        return indexedTo;
    }

    long aggregates() {
        return count;
    }

    String origin() {
        return origin;
    }

    /** Bytes of the two mapped files. */
    long mappedBytes() {
        return table.length() + data.length();
    }

    // ----------------------------------------------------------------------------------------------- catch-up

    /** Indexes the log from {@link #indexedTo()} up to {@code upTo} (exclusive), as far as it is written. */
    void catchUp(long upTo) {
        ensureOpen();
        while (indexedTo < upTo) {
            PartitionLog.ReadResult rr;
            try {
                rr = log.read(indexedTo, CATCH_UP_READ_BYTES, true, PartitionLog.ReadLimit.LOG_END);
            } catch (LogException.OffsetOutOfRangeException gone) {
                if (indexedTo >= log.logStartOffset()) {
                    throw gone;
                }
                indexedTo = log.logStartOffset(); // retention deleted what was not yet indexed
                continue;
            }
            if (rr.sizeInBytes() == 0) {
                return;
            }
            MemoryRecords records;
            try {
                records = EventCodec.inMemory(rr.records());
            } catch (IOException e) {
                throw new LogException.LogIoException("Cannot index " + log + ": " + e, e);
            }
            for (RecordBatch b : records.batches()) {
                if (b.lastOffset() < indexedTo) {
                    continue;
                }
                if (!b.isControlBatch()) {
                    for (Record r : b) {
                        if (r.offset() >= indexedTo) {
                            index(r, b.baseOffset());
                        }
                    }
                }
                indexedTo = b.lastOffset() + 1;
            }
        }
    }

    private void index(Record r, long batchBase) {
        if (!r.hasKey()) {
            return;
        }
        long seq = EventCodec.sequenceOf(r);
        if (seq < 0) {
            return;
        }
        byte[] key = new byte[r.keySize()];
        r.key().get(key);
        long h = hasher.hash(key);
        long slot = find(key, h);
        long last = slot < 0 ? EventStore.NEW_AGGREGATE : table.getLong(slot + 16);
        if (seq <= last) {
            return;
        }
        if (slot < 0) {
            slot = insert(key, h, -slot - 1);
        }
        long tail = table.getLong(slot + 24);
        int n = data.getInt(tail + 12);
        if (n == 0 || data.getLong(tail + BLOCK_HEADER + (long) (n - 1) * ENTRY) < batchBase) {
            addPosting(slot, r.offset(), seq);
        } else {
            beforeChange();
        }
        table.putLong(slot + 16, seq);
        eventsSinceCheckpoint++;
    }

    /**
     * Records a batch just appended by the store (still under the partition's append lock): the events of one
     * aggregate at offsets {@code baseOffset..lastOffset} with sequences from {@code firstSequence}. A no-op when a
     * reader's catch-up already indexed it.
     */
    void appended(byte[] key, long baseOffset, long lastOffset, long firstSequence) {
        ensureOpen();
        if (indexedTo != baseOffset) {
            return;
        }
        long h = hasher.hash(key);
        long slot = find(key, h);
        if (slot < 0) {
            slot = insert(key, h, -slot - 1);
        }
        addPosting(slot, baseOffset, firstSequence);
        table.putLong(slot + 16, firstSequence + (lastOffset - baseOffset));
        eventsSinceCheckpoint += lastOffset - baseOffset + 1;
        indexedTo = lastOffset + 1;
    }

    // ------------------------------------------------------------------------------------------------ lookups

    /** The aggregate's last sequence among the indexed records. */
    long lastSequence(byte[] key) {
        ensureOpen();
        long slot = find(key, hasher.hash(key));
        return slot < 0 ? EventStore.NEW_AGGREGATE : table.getLong(slot + 16);
    }

    /** The postings that may hold events with sequence ≥ {@code fromSequence}. */
    Lookup lookup(byte[] key, long fromSequence) {
        ensureOpen();
        long slot = find(key, hasher.hash(key));
        if (slot < 0) {
            return new Lookup(EventStore.NEW_AGGREGATE, new long[0], new long[0]);
        }
        long last = table.getLong(slot + 16);
        if (last < fromSequence) {
            return new Lookup(last, new long[0], new long[0]);
        }
        long block = firstBlock(table.getLong(slot + 8), key.length);
        // skip whole blocks whose successor starts at or before fromSequence
        while (true) {
            long next = data.getLong(block);
            if (next == 0 || data.getInt(next + 12) == 0 || data.getLong(next + BLOCK_HEADER + 8) > fromSequence) {
                break;
            }
            block = next;
        }
        long[] offsets = new long[16];
        long[] seqs = new long[16];
        int n = 0;
        for (long b = block; b != 0; b = data.getLong(b)) {
            int k = data.getInt(b + 12);
            for (int i = 0; i < k; i++) {
                if (n == offsets.length) {
                    offsets = Arrays.copyOf(offsets, n * 2);
                    seqs = Arrays.copyOf(seqs, n * 2);
                }
                long e = b + BLOCK_HEADER + (long) i * ENTRY;
                offsets[n] = data.getLong(e);
                seqs[n] = data.getLong(e + 8);
                n++;
            }
        }
        int i = Arrays.binarySearch(seqs, 0, n, fromSequence);
        int from = i >= 0 ? i : Math.max(0, -i - 2);
        return new Lookup(last, Arrays.copyOfRange(offsets, from, n), Arrays.copyOfRange(seqs, from, n));
    }

    // ------------------------------------------------------------------------------------------ hash table

    private static long slotPosition(long i) {
        return HEADER + i * SLOT;
    }

    /** The slot position holding {@code key}, or {@code -(position of the empty slot where it would go) - 1}. */
    private long find(byte[] key, long h) {
        long i = h & mask;
        while (true) {
            long pos = slotPosition(i);
            long stored = table.getLong(pos);
            if (stored == 0) {
                return -pos - 1;
            }
            if (stored == h && keyAt(table.getLong(pos + 8), key)) {
                return pos;
            }
            i = (i + 1) & mask;
        }
    }

    private boolean keyAt(long record, byte[] key) {
        return data.getInt(record) == key.length && data.equalsAt(record + 4, key);
    }

    private static long firstBlock(long record, int keyLength) {
        return record + ((4 + keyLength + 7) & ~7L);
    }

    /** A new aggregate in the empty slot at {@code pos}: its record with an empty first postings block. */
    private long insert(byte[] key, long h, long pos) {
        beforeChange();
        if ((count + 1) * 10 > (mask + 1) * 7) {
            grow();
            pos = -find(key, h) - 1;
        }
        int recordSize = (int) (firstBlock(0, key.length) + BLOCK_HEADER + (long) FIRST_BLOCK_CAPACITY * ENTRY);
        long record = allocate(recordSize);
        data.putInt(record, key.length);
        data.put(record + 4, key);
        long block = firstBlock(record, key.length);
        data.putLong(block, 0);
        data.putInt(block + 8, FIRST_BLOCK_CAPACITY);
        data.putInt(block + 12, 0);
        table.putLong(pos + 8, record);
        table.putLong(pos + 16, EventStore.NEW_AGGREGATE);
        table.putLong(pos + 24, block);
        table.putLong(pos, h); // last: the slot is taken once it is complete
        count++;
        return pos;
    }

    private void addPosting(long slot, long offset, long firstSequence) {
        beforeChange();
        long tail = table.getLong(slot + 24);
        int capacity = data.getInt(tail + 8);
        int n = data.getInt(tail + 12);
        if (n == capacity) {
            int next = Math.min(capacity * 2, MAX_BLOCK_CAPACITY);
            long block = allocate(BLOCK_HEADER + next * ENTRY);
            data.putLong(block, 0);
            data.putInt(block + 8, next);
            data.putInt(block + 12, 0);
            data.putLong(tail, block);
            table.putLong(slot + 24, block);
            tail = block;
            n = 0;
        }
        long e = tail + BLOCK_HEADER + (long) n * ENTRY;
        data.putLong(e, offset);
        data.putLong(e + 8, firstSequence);
        data.putInt(tail + 12, n + 1);
    }

    private long allocate(int size) {
        long pos = MappedFile.fit(dataEnd, size);
        try {
            data.ensure(pos + size);
        } catch (IOException e) {
            throw new LogException.LogIoException("Cannot grow " + dataPath + ": " + e, e);
        }
        dataEnd = pos + size;
        return pos;
    }

    /** Doubles the table into a new file (slots rehashed by their stored hash) that replaces the old one. */
    private void grow() {
        if (slotsLog2 >= MAX_SLOTS_LOG2) {
            throw new LogException.LimitExceededException("The aggregate index of " + log + " is full (" + count + " aggregates)");
        }
        Path tmp = tablePath.resolveSibling(TABLE_FILE + ".tmp");
        int log2 = slotsLog2 + 1;
        long newMask = (1L << log2) - 1;
        try {
            Files.deleteIfExists(tmp);
            MappedFile bigger = new MappedFile(tmp, HEADER + ((long) SLOT << log2));
            for (long i = 0; i <= mask; i++) {
                long pos = slotPosition(i);
                long h = table.getLong(pos);
                if (h == 0) {
                    continue;
                }
                long j = h & newMask;
                while (bigger.getLong(slotPosition(j)) != 0) {
                    j = (j + 1) & newMask;
                }
                long to = slotPosition(j);
                bigger.putLong(to, h);
                bigger.putLong(to + 8, table.getLong(pos + 8));
                bigger.putLong(to + 16, table.getLong(pos + 16));
                bigger.putLong(to + 24, table.getLong(pos + 24));
            }
            MappedFile old = table;
            table = bigger;
            slotsLog2 = log2;
            mask = newMask;
            writeHeader(1); // dirty: a crash from here on rebuilds
            old.close();
            Files.move(tmp, tablePath, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new LogException.LogIoException("Cannot grow " + tablePath + ": " + e, e);
        }
    }

    // --------------------------------------------------------------------------------------------- checkpoints

    boolean checkpointDue() {
        return dirty && !closed && (eventsSinceCheckpoint >= CHECKPOINT_EVENTS || clock.millis() - dirtySinceMs >= CHECKPOINT_MS);
    }

    /** Whether changes since the last checkpoint are only in memory and page cache (for tests). */
    boolean dirty() {
        return dirty;
    }

    /**
     * Makes the files a consistent image of offsets below {@link #indexedTo()}: flushes the log up to there first (a
     * crash must not take back what the index claims), then the index files, then writes the clean header.
     */
    void checkpoint() {
        if (!dirty || closed) {
            return;
        }
        log.flush();
        data.force();
        table.force();
        writeHeader(0);
        dirty = false;
        eventsSinceCheckpoint = 0;
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogException.LogClosedException("The aggregate index of " + log + " is closed");
        }
    }

    /** Checkpoints (unless the partition is gone) and closes the files. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            checkpoint();
        } catch (LogException.LogClosedException deleted) {
            // the partition was closed or deleted first: nothing to make durable for it
        } catch (LogException e) {
            // the header stays dirty: the next open rebuilds the index from the log
            logger.warn("No checkpoint of {} at close: {}", this, e.getMessage());
        } finally {
            closed = true;
            closeFiles();
        }
    }

    /** Closes the files without a checkpoint: for a partition that was deleted. */
    void discard() {
        closed = true;
        closeFiles();
    }

    private void closeFiles() {
        for (MappedFile f : new MappedFile[] {table, data}) {
            if (f != null) {
                try {
                    f.close();
                } catch (IOException e) {
                    logger.debug("closing {}: {}", f, e.toString());
                }
            }
        }
    }

    /** FNV-1a over the bytes, then MurmurHash3's 64-bit finalizer to spread the bits; never 0. */
    static long hash64(byte[] key) {
        long h = 0xcbf29ce484222325L ^ key.length;
        for (byte b : key) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == 0 ? 1 : h;
    }

    @Override
    public String toString() {
        return "AggregateIndex(" + log.topic() + "-" + log.partition() + ", " + count + " aggregates, indexed to " + indexedTo + ")";
    }
}
