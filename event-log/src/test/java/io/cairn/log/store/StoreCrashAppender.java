package io.cairn.log.store;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;

/**
 * Child process of {@link StoreCrashTest}: opens the store, then appends events to its aggregates from several threads
 * (each thread owns its aggregates, so it knows their last sequences) until it is killed. Each acknowledged append is
 * reported with one {@code write}, after {@link EventStore#append} returned: {@code ACK <aggregate> <lastSequence>}.
 * Payloads are a function of (aggregate, sequence) ({@link #payload}). Usage: {@code StoreCrashAppender <dataDir> <seed>}.
 */
public final class StoreCrashAppender {
    static final String TOPIC = "accounts";
    static final int THREADS = 4;
    static final int AGGREGATES_PER_THREAD = 25;
    private static final FileOutputStream OUT = new FileOutputStream(FileDescriptor.out);

    private StoreCrashAppender() {
    }

    static String aggregate(int thread, int k) {
        return "t" + thread + "-a" + k;
    }

    static String payload(String aggregate, long sequence) {
        return "{\"aggregate\":\"" + aggregate + "\",\"sequence\":" + sequence + "}";
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        LogEventStore store = LogEventStore.of(engine);
        store.ensureTopic(TOPIC, 2, false);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            Thread th = new Thread(() -> run(store, thread, new Random(seed * 31 + thread)));
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
    }

    private static void run(EventStore store, int thread, Random rnd) {
        long[] last = new long[AGGREGATES_PER_THREAD];
        for (int k = 0; k < last.length; k++) {
            last[k] = store.lastSequence(TOPIC, aggregate(thread, k)); // what survived the previous kill
        }
        while (true) {
            int k = rnd.nextInt(last.length);
            String id = aggregate(thread, k);
            int n = 1 + rnd.nextInt(3);
            List<EventData> events = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                events.add(new EventData("Deposited", 1, payload(id, last[k] + i).getBytes(StandardCharsets.UTF_8), Map.of()));
            }
            try {
                last[k] = store.append(TOPIC, id, last[k], events).lastSequence();
                write("ACK " + id + " " + last[k] + "\n");
            } catch (RuntimeException e) {
                write("FAILED " + id + " " + e + "\n");
                return;
            }
        }
    }

    private static synchronized void write(String line) {
        try {
            OUT.write(line.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
