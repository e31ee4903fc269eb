package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM that appends to a partition ({@link CrashAppender}) with SIGKILL at random moments, many times,
 * on the same data directory, and checks after every kill that the log kept its promises:
 * <ul>
 *   <li>every acknowledged record is at its acknowledged offset with its exact value;</li>
 *   <li>offsets are contiguous from the log start; every batch passes the engine's CRC check on read and Kafka's own
 *       {@code ensureValid()}; no torn or partial batch is visible;</li>
 *   <li>records that are present but were not acknowledged can only be each appender's last, in-flight append (every
 *       record is one that an appender wrote, in its order, exactly once);</li>
 *   <li>appends continue at the recovered log end, and a clean reopen afterwards sees the same log.</li>
 * </ul>
 * Each check runs on a copy of the killed directory, so that the next child recovers the real crash state (and is
 * sometimes killed during that recovery). Kill -9 does not lose the page cache, so this tests recovery (torn tails,
 * index rebuilding, recovery points, rolls interrupted midway), not fsync. Seed: {@code -Dcrash.seed=N};
 * cycles: {@code -Dcrash.cycles=N}.
 */
class CrashTest {
    private static final int THREADS = 3;
    private static final int VERIFIER_THREAD = 99;

    @TempDir
    Path tmp;

    record Ack(int gen, int thread, long seq, int count, long base, long last, boolean durable) {
    }

    @Test
    void acknowledgedAppendsSurviveKill9() throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        int cycles = Integer.getInteger("crash.cycles", 20);
        System.out.println("CrashTest seed=" + seed + " cycles=" + cycles + " (rerun with -Dcrash.seed=" + seed + ")");
        Random rnd = new Random(seed);
        Path data = tmp.resolve("data");
        Path copy = tmp.resolve("verify");
        List<Ack> acks = new ArrayList<>();
        long verifiedEnd = 0;
        long started = System.nanoTime();
        int killedStarting = 0;
        for (int cycle = 0; cycle < cycles; cycle++) {
            boolean early = rnd.nextInt(5) == 0; // kill at a random moment from JVM start: sometimes during recovery
            long delayMs = early ? rnd.nextInt(1200) : 10 + rnd.nextInt(1000);
            Cycle c = runAndKill(data, cycle, rnd.nextLong(), early, delayMs, verifiedEnd);
            acks.addAll(c.acks());
            if (!c.opened()) {
                killedStarting++;
            }
            long t0 = System.nanoTime();
            verifiedEnd = verifyCopy(data, copy, cycle, acks);
            System.out.printf("cycle %2d: killed %s %4d ms after %s, %5d acks, log end %7d, checked in %d ms%n", cycle,
                    c.opened() ? "appending" : "starting ", delayMs, early ? "start" : "open ", c.acks().size(), verifiedEnd,
                    (System.nanoTime() - t0) / 1_000_000);
        }
        System.out.printf("CrashTest: %d kills (%d before the engine had opened), %d acknowledged appends, %d records, %.1f s%n",
                cycles, killedStarting, acks.size(), verifiedEnd, (System.nanoTime() - started) / 1e9);
        assertThat(acks.size()).as("the children acknowledged appends at all").isGreaterThan(cycles);
    }

    /**
     * The checker itself: after a real kill, a copy that lost the segment holding the last acknowledged record, or
     * that has one flipped byte in it, must fail the check. Guards against a check that passes whatever the log holds.
     */
    @Test
    void checkerCatchesLostOrCorruptAcknowledgedRecords() throws Exception {
        Path data = tmp.resolve("data");
        Cycle c = runAndKill(data, 0, 42, false, 400, 0);
        assertThat(c.acks()).isNotEmpty();
        long lastAcked = c.acks().stream().mapToLong(Ack::last).max().orElseThrow();
        assertThat(verifyCopy(data, tmp.resolve("verify"), 0, c.acks())).isGreaterThan(lastAcked);

        for (String damage : List.of("truncate", "flip")) {
            Path damaged = tmp.resolve("damaged-" + damage);
            copyTree(data, damaged);
            Path segment = segmentHolding(damaged.resolve(CrashAppender.TOPIC).resolve("0"), lastAcked);
            try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
                if (damage.equals("truncate")) {
                    ch.truncate(0);
                } else {
                    ByteBuffer one = ByteBuffer.allocate(1);
                    long at = lastByteOfBatchHolding(ch, lastAcked); // CRC-covered
                    ch.read(one, at);
                    one.put(0, (byte) (one.get(0) ^ 0x10)).rewind();
                    ch.write(one, at);
                }
            }
            Throwable caught = null;
            try {
                verifyCopy(damaged, tmp.resolve("verify-" + damage), 0, c.acks());
            } catch (AssertionError | LogException e) {
                caught = e;
            }
            assertThat(caught).as("check of a copy damaged by '%s' of %s", damage, segment.getFileName()).isNotNull();
            System.out.println("damage '" + damage + "' of " + segment.getFileName() + " caught: " + caught.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** File position of the last byte of the batch that holds {@code offset}, found by walking batch headers. */
    private static long lastByteOfBatchHolding(FileChannel ch, long offset) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(27);
        long pos = 0;
        while (pos < ch.size()) {
            header.clear();
            ch.read(header, pos);
            long base = header.getLong(0);
            int size = 12 + header.getInt(8);
            long last = base + header.getInt(23);
            if (base <= offset && offset <= last) {
                return pos + size - 1;
            }
            pos += size;
        }
        throw new AssertionError("no batch holds offset " + offset);
    }

    private static Path segmentHolding(Path partitionDir, long offset) throws IOException {
        Path best = null;
        long bestBase = -1;
        try (Stream<Path> files = Files.list(partitionDir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (n.endsWith(".log")) {
                    long base = Long.parseLong(n.substring(0, n.length() - 4));
                    if (base <= offset && base > bestBase) {
                        bestBase = base;
                        best = f;
                    }
                }
            }
        }
        return best;
    }

    /** What one child acknowledged before it was killed. */
    record Cycle(boolean opened, List<Ack> acks) {
    }

    /**
     * Starts a child appender of generation {@code gen} on {@code data}, kills it with SIGKILL {@code delayMs} after it
     * started ({@code early}) or after it opened the engine, and returns what it acknowledged (checked for form).
     */
    private Cycle runAndKill(Path data, int gen, long seed, boolean early, long delayMs, long recoveredEnd) throws Exception {
        File childErr = tmp.resolve("child.err").toFile();
        Process child = startChild(data, gen, seed, childErr);
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        AtomicReference<IOException> readFailure = new AtomicReference<>();
        Thread reader = new Thread(() -> readCompleteLines(child.getInputStream(), lines, readFailure), "child-stdout");
        reader.start();
        try {
            if (!early) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (lines.stream().noneMatch(l -> l.startsWith("OPENED"))) {
                    if (!child.isAlive()) {
                        fail("child " + gen + " exited with " + child.exitValue() + " before opening; stderr:\n" + tail(childErr));
                    }
                    if (System.nanoTime() > deadline) {
                        fail("child " + gen + " did not open the engine within 60 s; stderr:\n" + tail(childErr));
                    }
                    Thread.sleep(5);
                }
            }
            Thread.sleep(delayMs);
            if (!child.isAlive()) {
                fail("child " + gen + " exited by itself with " + child.exitValue() + "; output " + lines
                        + "; stderr:\n" + tail(childErr));
            }
        } finally {
            // SIGKILL. Not Process.destroyForcibly(): that also closes our end of the child's stdout at once,
            // discarding acknowledgements still in the pipe.
            child.toHandle().destroyForcibly();
            child.waitFor();
            reader.join();
        }
        if (readFailure.get() != null) {
            throw new AssertionError("reading the child's stdout failed: acknowledgements may be missing", readFailure.get());
        }
        List<Ack> acks = new ArrayList<>();
        boolean opened = false;
        for (String line : lines) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "OPENED" -> {
                    opened = true;
                    assertThat(Long.parseLong(f[1])).as("child %d: log start at open", gen).isZero();
                    assertThat(Long.parseLong(f[2])).as("child %d: log end the child recovered", gen).isEqualTo(recoveredEnd);
                }
                case "ACK" -> {
                    Ack a = new Ack(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]),
                            Integer.parseInt(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]), Boolean.parseBoolean(f[7]));
                    assertThat(a.gen()).isEqualTo(gen);
                    assertThat(a.base()).as("child %d: ack %s starts at or after the recovered end", gen, a).isGreaterThanOrEqualTo(recoveredEnd);
                    assertThat(a.last() - a.base() + 1).as("ack %s: offsets for its record count", a).isEqualTo(a.count());
                    assertThat(a.durable()).as("ack %s: flush.messages=1 acknowledges only durable appends", a).isTrue();
                    acks.add(a);
                }
                case "FAILED" -> fail("child " + gen + " reported " + line + "; stderr:\n" + tail(childErr));
                default -> fail("unexpected line from child " + gen + ": " + line);
            }
        }
        return new Cycle(opened, acks);
    }

    private static Process startChild(Path data, int gen, long seed, File err) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), CrashAppender.class.getName(),
                data.toString(), Integer.toString(gen), Integer.toString(THREADS), Long.toString(seed));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(err)).start();
    }

    /** Collects newline-terminated lines; an unterminated last line (cut by the kill) is dropped. */
    private static void readCompleteLines(InputStream in, ConcurrentLinkedQueue<String> out, AtomicReference<IOException> failure) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        out.add(line.toString(StandardCharsets.US_ASCII));
                        line.reset();
                    } else {
                        line.write(buf[i]);
                    }
                }
            }
        } catch (IOException e) {
            failure.set(e);
        }
    }

    /**
     * Copies the killed directory and checks it; returns the recovered log end (before the check's own append).
     */
    private static long verifyCopy(Path data, Path copy, int cycle, List<Ack> acks) throws IOException {
        FileUtil.deleteRecursively(copy);
        if (!Files.exists(data)) {
            assertThat(acks).isEmpty();
            return 0;
        }
        copyTree(data, copy);
        LogEngineConfig cfg = LogEngineConfig.builder(copy).cleanerIntervalMs(0).recoveryThreads(1).build();
        long end;
        try (LogEngine engine = LogEngine.open(cfg)) {
            if (engine.topic(CrashAppender.TOPIC).isEmpty()) {
                assertThat(acks).as("cycle %d: acknowledged appends but the topic is gone", cycle).isEmpty();
                return 0;
            }
            PartitionLog p = engine.partition(CrashAppender.TOPIC, 0);
            assertThat(p.logStartOffset()).isZero();
            end = p.logEndOffset();
            assertThat(p.highWatermark()).isEqualTo(end);
            List<String> values = readAllChecked(p, end, cycle);
            checkAcks(values, acks, cycle);
            checkOrigins(values, acks, cycle);

            // Appends continue at the recovered end.
            PartitionLog.AppendResult r = p.append(CrashAppender.batch(cycle, VERIFIER_THREAD, 0, 2, System.currentTimeMillis()));
            assertThat(r.baseOffset()).as("cycle %d: first append after recovery", cycle).isEqualTo(end);
            assertThat(p.logEndOffset()).isEqualTo(end + 2);
            List<Batches.Read> back = Batches.records(p.read(end, 1 << 16).records());
            assertThat(back).extracting(Batches.Read::value)
                    .containsExactly(CrashAppender.value(cycle, VERIFIER_THREAD, 0), CrashAppender.value(cycle, VERIFIER_THREAD, 1));
        }
        // A clean reopen (index files trusted, no recovery) sees the same log.
        try (LogEngine engine = LogEngine.open(cfg)) {
            PartitionLog p = engine.partition(CrashAppender.TOPIC, 0);
            assertThat(p.logEndOffset()).as("cycle %d: log end after clean reopen", cycle).isEqualTo(end + 2);
            assertThat(Batches.records(p.read(end + 1, 1).records())).extracting(Batches.Read::value)
                    .contains(CrashAppender.value(cycle, VERIFIER_THREAD, 1));
            if (end > 0) {
                long probe = end / 2;
                assertThat(Batches.records(p.read(probe, 1).records())).extracting(Batches.Read::offset).contains(probe);
            }
        }
        return end;
    }

    /** Reads [0, end) in 64 KB steps: contiguous offsets, every batch CRC-checked by the engine and by Kafka. */
    private static List<String> readAllChecked(PartitionLog p, long end, int cycle) {
        List<String> values = new ArrayList<>();
        long next = 0;
        while (next < end) {
            PartitionLog.ReadResult r = p.read(next, 1 << 16, true, PartitionLog.ReadLimit.LOG_END);
            assertThat(r.sizeInBytes()).as("cycle %d: read at %d below log end %d returned nothing", cycle, next, end).isPositive();
            for (RecordBatch b : r.records().batches()) {
                b.ensureValid();
                assertThat(b.baseOffset()).as("cycle %d: batch base offset (contiguous)", cycle).isEqualTo(next);
                for (Record rec : b) {
                    assertThat(rec.offset()).as("cycle %d: record offset (contiguous)", cycle).isEqualTo(next);
                    ByteBuffer v = rec.value();
                    byte[] bytes = new byte[v.remaining()];
                    v.get(bytes);
                    values.add(new String(bytes, StandardCharsets.UTF_8));
                    next++;
                }
                assertThat(b.lastOffset()).as("cycle %d: batch last offset", cycle).isEqualTo(next - 1);
            }
        }
        assertThat(next).as("cycle %d: records read up to the log end", cycle).isEqualTo(end);
        return values;
    }

    /** Every acknowledged record is at its offset with its value. */
    private static void checkAcks(List<String> values, List<Ack> acks, int cycle) {
        for (Ack a : acks) {
            for (int i = 0; i < a.count(); i++) {
                long offset = a.base() + i;
                if (offset >= values.size()) {
                    fail("cycle " + cycle + ": acknowledged offset " + offset + " (" + a + ") is gone; the log ends at " + values.size());
                }
                String expected = CrashAppender.value(a.gen(), a.thread(), a.seq() + i);
                if (!expected.equals(values.get((int) offset))) {
                    fail("cycle " + cycle + ": acknowledged offset " + offset + " (" + a + ") holds '" + values.get((int) offset)
                            + "' instead of '" + expected + "'");
                }
            }
        }
    }

    /**
     * Every record present was written by an appender, in that appender's order, once; unacknowledged records are only
     * each appender's last (in-flight) append.
     */
    private static void checkOrigins(List<String> values, List<Ack> acks, int cycle) {
        Map<Long, Long> nextSeq = new HashMap<>();
        for (int offset = 0; offset < values.size(); offset++) {
            String v = values.get(offset);
            long[] id = CrashAppender.parse(v);
            if (id == null || !v.equals(CrashAppender.value((int) id[0], (int) id[1], id[2]))) {
                fail("cycle " + cycle + ": offset " + offset + " holds a value no appender wrote: '" + v + "'");
            }
            long key = id[0] * 1000 + id[1];
            long expected = nextSeq.getOrDefault(key, 0L);
            if (id[1] != VERIFIER_THREAD && id[2] != expected) {
                fail("cycle " + cycle + ": offset " + offset + " holds sequence " + id[2] + " of g" + id[0] + ".t" + id[1]
                        + " where " + expected + " was due (lost, duplicated or reordered record)");
            }
            nextSeq.put(key, id[2] + 1);
        }
        Map<Long, Long> ackedEnd = new HashMap<>();
        for (Ack a : acks) {
            ackedEnd.merge(a.gen() * 1000L + a.thread(), a.seq() + a.count(), Math::max);
        }
        int maxInFlight = CrashAppender.MAX_BATCH_RECORDS * CrashAppender.MAX_BATCHES_PER_APPEND;
        nextSeq.forEach((key, present) -> {
            if (key % 1000 == VERIFIER_THREAD) {
                return;
            }
            long acked = ackedEnd.getOrDefault(key, 0L);
            if (present - acked < 0 || present - acked > maxInFlight) {
                List<Ack> own = acks.stream().filter(a -> a.gen() * 1000L + a.thread() == key).toList();
                StringBuilder where = new StringBuilder();
                for (int offset = 0; offset < values.size(); offset++) {
                    long[] id = CrashAppender.parse(values.get(offset));
                    if (id[0] * 1000 + id[1] == key && id[2] >= acked) {
                        where.append(' ').append(offset).append("=s").append(id[2]);
                    }
                }
                fail("cycle " + cycle + ": appender g" + key / 1000 + ".t" + key % 1000 + " has " + (present - acked)
                        + " unacknowledged records (one in-flight append holds at most " + maxInFlight + "); its last acks "
                        + own.subList(Math.max(0, own.size() - 3), own.size()) + "; unacknowledged at" + where
                        + "; log end " + values.size());
            }
        });
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path src : (Iterable<Path>) all::iterator) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(src, dst);
                }
            }
        }
    }

    private static String tail(File f) {
        try {
            String s = Files.readString(f.toPath(), StandardCharsets.UTF_8);
            return s.length() > 8000 ? s.substring(s.length() - 8000) : s;
        } catch (IOException e) {
            return "(no stderr: " + e + ")";
        }
    }
}
