package io.cairn.projections;

/**
 * Events per second over the last few seconds, from a growing total: samples are taken at most every 250 ms by
 * whoever records, and the rate is read against the oldest sample younger than the window. Thread-safe.
 */
final class Rate {
    private static final long WINDOW_NANOS = 5_000_000_000L;
    private static final long SAMPLE_NANOS = 250_000_000L;
    private final long[] times = new long[32];
    private final long[] totals = new long[32];
    private int head;
    private int size;

    synchronized void record(long nowNanos, long total) {
        if (size > 0 && nowNanos - times[(head + size - 1) % times.length] < SAMPLE_NANOS) {
            return;
        }
        if (size == times.length) {
            head = (head + 1) % times.length;
            size--;
        }
        int i = (head + size) % times.length;
        times[i] = nowNanos;
        totals[i] = total;
        size++;
    }

    synchronized double perSecond(long nowNanos, long total) {
        for (int k = 0; k < size; k++) {
            int i = (head + k) % times.length;
            if (nowNanos - times[i] <= WINDOW_NANOS) {
                long dt = nowNanos - times[i];
                return dt < 100_000_000L ? 0 : (total - totals[i]) * 1e9 / dt;
            }
        }
        return 0;
    }
}
