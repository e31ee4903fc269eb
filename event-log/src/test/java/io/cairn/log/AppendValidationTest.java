package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every malformed append is refused with an error that says what is wrong, and nothing of it is written: not the log
 * end offset, not a byte of the segment file, not even the good batches that come before the bad one in the same
 * append.
 */
class AppendValidationTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(T0);
    private LogEngine engine;
    private PartitionLog log;

    @BeforeEach
    void open() {
        engine = LogEngine.open(LogEngineConfig.builder(dir).clock(clock).cleanerIntervalMs(0).build());
        engine.createTopic("v", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES, "400"));
        log = engine.partition("v", 0);
        // Some data first, so that "unchanged" is checked against a non-empty log.
        log.append(Batches.of(T0, "one", "two"));
        log.append(Batches.of(T0, "three"));
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private static MemoryRecords good(String... values) {
        return Batches.of(T0, values);
    }

    private static byte[] bytes(MemoryRecords r) {
        ByteBuffer b = r.buffer().duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static MemoryRecords wrap(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        b.flip();
        return MemoryRecords.readableRecords(b);
    }

    private static byte[] badCrc() {
        byte[] b = bytes(good("hello", "world"));
        b[b.length - 3] ^= 0x5a; // inside the records: covered by the CRC
        return b;
    }

    private static byte[] magicV1(int valueBytes) {
        return bytes(MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V1, Compression.NONE,
                new SimpleRecord(T0, "k".getBytes(StandardCharsets.UTF_8), new byte[valueBytes])));
    }

    private static byte[] truncated(int keep) {
        byte[] b = bytes(good("a value long enough", "and another one"));
        return Arrays.copyOf(b, keep);
    }

    private static byte[] sizePrefixTooLarge() {
        byte[] b = bytes(good("x", "y"));
        ByteBuffer.wrap(b).putInt(8, b.length); // batch length field: says 12 bytes more than there are
        return b;
    }

    private static byte[] tooLarge() {
        return bytes(good(new String(new byte[500], StandardCharsets.US_ASCII)));
    }

    private static byte[] countMismatch() {
        MemoryRecords r = good("a", "b");
        byte[] b = bytes(r);
        // records count at 57 says 3 but last offset delta is 1; fix the CRC so that only the count is wrong
        ByteBuffer bb = ByteBuffer.wrap(b);
        bb.putInt(57, 3);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b, 21, b.length - 21);
        bb.putInt(17, (int) crc.getValue());
        return b;
    }

    /** Asserts that {@code append} fails with {@code type}, message containing {@code words}, and writes nothing. */
    private void assertRejected(MemoryRecords records, Class<? extends LogException> type, String... words) throws Exception {
        long leo = log.logEndOffset();
        long size = log.sizeInBytes();
        Path logFile = LogFiles.segmentFile(LogFiles.partitionDir(dir, "v", 0), 0, ".log");
        long fileSize = Files.size(logFile);
        List<Batches.Read> before = Batches.readAll(log, 0, 1 << 20);

        assertThatThrownBy(() -> log.append(records)).isInstanceOf(type).hasMessageContainingAll(words);

        assertThat(log.logEndOffset()).isEqualTo(leo);
        assertThat(log.highWatermark()).isEqualTo(leo);
        assertThat(log.sizeInBytes()).isEqualTo(size);
        assertThat(Files.size(logFile)).isEqualTo(fileSize);
        assertThat(log.segments()).hasSize(1);
        assertThat(Batches.readAll(log, 0, 1 << 20)).isEqualTo(before);
        // and the log still takes good appends at the right offset
        PartitionLog.AppendResult ok = log.append(good("after"));
        assertThat(ok.baseOffset()).isEqualTo(leo);
    }

    private void rejectedAloneAndSecond(byte[] bad, Class<? extends LogException> type, String... words) throws Exception {
        assertRejected(wrap(bad), type, words);
        assertRejected(wrap(bytes(good("first", "good")), bad), type, words);
    }

    @Test
    void badCrcIsRejected() throws Exception {
        rejectedAloneAndSecond(badCrc(), LogException.InvalidBatchException.class, "CRC", "nothing was written");
    }

    @Test
    void secondBatchIndexIsNamed() {
        assertThatThrownBy(() -> log.append(wrap(bytes(good("ok")), badCrc())))
                .isInstanceOf(LogException.InvalidBatchException.class).hasMessageContaining("batch 1");
    }

    @Test
    void oldMagicIsRejected() throws Exception {
        rejectedAloneAndSecond(magicV1(100), LogException.InvalidBatchException.class, "magic 1");
    }

    @Test
    void smallOldMagicBatchIsRejectedForItsMagic() throws Exception {
        // A one-record v1 message set is smaller than a v2 header: the error must still say what is wrong (the format),
        // not that the batch is short.
        rejectedAloneAndSecond(magicV1(0), LogException.InvalidBatchException.class, "magic 1");
    }

    @Test
    void truncatedBufferIsRejected() throws Exception {
        byte[] whole = bytes(good("a value long enough", "and another one"));
        rejectedAloneAndSecond(truncated(whole.length - 7), LogException.InvalidBatchException.class, "size prefix");
        rejectedAloneAndSecond(truncated(30), LogException.InvalidBatchException.class, "only 30 bytes left");
    }

    @Test
    void sizePrefixLargerThanBufferIsRejected() throws Exception {
        rejectedAloneAndSecond(sizePrefixTooLarge(), LogException.InvalidBatchException.class, "size prefix");
    }

    @Test
    void batchOverMaxMessageBytesIsRejected() throws Exception {
        rejectedAloneAndSecond(tooLarge(), LogException.RecordTooLargeException.class, "max.message.bytes=400");
    }

    @Test
    void appendOverSegmentBytesIsRejected() throws Exception {
        engine.alterTopicConfig("v", Map.of(TopicConfig.SEGMENT_BYTES, "300", TopicConfig.MAX_MESSAGE_BYTES, "1000"));
        byte[] b = bytes(good(new String(new byte[150], StandardCharsets.US_ASCII)));
        assertRejected(wrap(b, b), LogException.RecordTooLargeException.class, "segment.bytes=300");
    }

    @Test
    void recordCountMismatchIsRejected() throws Exception {
        rejectedAloneAndSecond(countMismatch(), LogException.InvalidBatchException.class, "record count 3");
    }

    @Test
    void emptyBufferIsRejected() throws Exception {
        assertRejected(MemoryRecords.EMPTY, LogException.InvalidBatchException.class, "no batch");
        assertRejected(MemoryRecords.readableRecords(ByteBuffer.allocate(0)), LogException.InvalidBatchException.class, "no batch");
    }

    @Test
    void rejectionsDoNotChangeWhatIsReadAfterReopen() throws Exception {
        for (Function<Void, byte[]> bad : List.<Function<Void, byte[]>>of(v -> badCrc(), v -> magicV1(10), v -> truncated(40),
                v -> sizePrefixTooLarge(), v -> tooLarge())) {
            try {
                log.append(wrap(bytes(good("good")), bad.apply(null)));
            } catch (LogException expected) {
                // checked above
            }
        }
        long leo = log.logEndOffset();
        engine.close();
        engine = LogEngine.open(LogEngineConfig.builder(dir).clock(clock).cleanerIntervalMs(0).build());
        log = engine.partition("v", 0);
        assertThat(log.logEndOffset()).isEqualTo(leo).isEqualTo(3);
        assertThat(Batches.readAll(log, 0, 1 << 20)).extracting(Batches.Read::value).containsExactly("one", "two", "three");
    }
}
