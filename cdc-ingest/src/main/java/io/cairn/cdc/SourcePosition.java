package io.cairn.cdc;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * Where a change came from in its database's log, as a tuple of longs that orders changes in commit order. It is what
 * makes delivery exactly once: Debezium delivers at least once (after a crash, everything since its last offset
 * flush comes again), and a change whose position is not after the last one already in its partition is dropped.
 *
 * <p>Tuple layout (compared element by element):
 * <pre>
 *   PostgreSQL  [phase, lsn_commit, lsn, k]
 *   MariaDB     [phase, binlog file number, pos, event, row, k]
 * </pre>
 * {@code phase} is 0 for snapshot reads and 1 for streamed changes. PostgreSQL decodes transactions in commit order;
 * {@code lsn_commit} (the commit position Debezium tracks) does not go down from one transaction to the next and
 * {@code lsn} grows within one. MariaDB's {@code pos} is where the transaction starts, {@code event} counts events
 * into it and {@code row} rows into an event. {@code k} numbers records that share one source offset (a primary key
 * update gives a delete, its tombstone and a create at one WAL position; a delete and its tombstone always share one).
 *
 * <p>Stored format (record header {@value #HEADER}): the longs, big-endian, 8 bytes each.
 *
 * <p>Snapshot reads are never dropped: an interrupted snapshot starts over and reads rows as they are then, so
 * its reads are new facts (and idempotent upserts by key). See docs/cdc.md.
 */
record SourcePosition(long[] tuple) implements Comparable<SourcePosition> {
    static final String HEADER = "cairn.cdc.pos";

    boolean snapshot() {
        return tuple[0] == 0;
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(tuple.length * 8);
        for (long v : tuple) {
            b.putLong(v);
        }
        return b.array();
    }

    static SourcePosition decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || bytes.length % 8 != 0) {
            throw new IllegalArgumentException("A " + HEADER + " header has 8 bytes per element, not "
                    + (bytes == null ? "none" : bytes.length));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long[] t = new long[bytes.length / 8];
        for (int i = 0; i < t.length; i++) {
            t[i] = b.getLong();
        }
        return new SourcePosition(t);
    }

    /** The tuple without {@code k}, from a Debezium source offset. */
    static long[] of(ConnectorKind kind, Map<String, ?> offset) {
        long phase = inSnapshot(offset) ? 0 : 1;
        return switch (kind) {
            case POSTGRES -> new long[] {phase, num(offset.get("lsn_commit")), num(offset.get("lsn"))};
            case MARIADB -> new long[] {phase, fileNumber(offset.get("file")), num(offset.get("pos")),
                    num(offset.get("event")), num(offset.get("row"))};
        };
    }

    static SourcePosition withK(long[] base, long k) {
        long[] t = Arrays.copyOf(base, base.length + 1);
        t[base.length] = k;
        return new SourcePosition(t);
    }

    /**
     * Whether a Debezium source offset belongs to a snapshot read: its {@code snapshot} entry is set (true, or the
     * snapshot's type, e.g. {@code INITIAL}; the last read also has {@code snapshot_completed=true}).
     */
    static boolean inSnapshot(Map<String, ?> offset) {
        Object s = offset.get("snapshot");
        return s != null && !Boolean.FALSE.equals(s) && !"false".equalsIgnoreCase(s.toString());
    }

    private static long num(Object v) {
        if (v == null) {
            return 0;
        }
        return v instanceof Number n ? n.longValue() : Long.parseLong(v.toString());
    }

    /** {@code mariadb-bin.000042} → 42. */
    private static long fileNumber(Object v) {
        if (v == null) {
            return 0;
        }
        String s = v.toString();
        int dot = s.lastIndexOf('.');
        try {
            return Long.parseLong(s.substring(dot + 1));
        } catch (NumberFormatException ex) {
            throw new IllegalStateException("Binlog file name without a sequence number: " + s, ex);
        }
    }

    @Override
    public int compareTo(SourcePosition o) {
        return Arrays.compare(tuple, o.tuple);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SourcePosition p && Arrays.equals(tuple, p.tuple);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tuple);
    }

    @Override
    public String toString() {
        return Arrays.toString(tuple);
    }
}
