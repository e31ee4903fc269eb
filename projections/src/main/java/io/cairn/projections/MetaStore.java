package io.cairn.projections;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

/**
 * The runtime's own tables, in the meta schema ({@link ProjectionConfig#metaSchema()}):
 * <pre>
 * projections(name PK, generation)                          the generation readers' views point at
 * offsets(projection, generation, topic, partition PK,      the next offset to apply; written in the same transaction
 *         next_offset, epoch, updated)                      as the view rows it covers
 * replayed(projection, dead_letter_offset PK, replayed)     dead letters applied by a replay (each at most once)
 * </pre>
 * <b>Fencing.</b> A worker that takes a partition sets its row's {@code epoch} to a new value of the sequence
 * {@code epochs} ({@link #claim}: never reused, even when a reset or a discarded rebuild deletes rows) and every offset
 * write it makes is conditional on that epoch ({@link #commit}): a stale worker (one whose partition was taken over
 * meanwhile) updates no row, gets {@link FencedException} and its transaction is rolled back, view rows included.
 * {@code next_offset = -1} means "from the log start".
 */
final class MetaStore {
    private final String meta;

    MetaStore(String metaSchema) {
        this.meta = metaSchema;
    }

    String schema() {
        return meta;
    }

    /** The schema holding generation {@code gen} of a projection's tables. */
    String generationSchema(String projection, int gen) {
        String s = meta + "_" + projection + "_g" + gen;
        if (s.length() > 63) {
            throw new IllegalArgumentException("Schema name too long for PostgreSQL: " + s);
        }
        return s;
    }

    /** Creates the meta schema and tables if missing; serialized by an advisory lock (runtimes may start together). */
    void ensureSchema(Connection c) throws SQLException {
        lock(c);
        Sql.exec(c, "CREATE SCHEMA IF NOT EXISTS " + meta);
        Sql.exec(c, "CREATE TABLE IF NOT EXISTS " + meta + ".projections (name text PRIMARY KEY, "
                + "generation int NOT NULL, updated timestamptz NOT NULL DEFAULT now())");
        Sql.exec(c, "CREATE TABLE IF NOT EXISTS " + meta + ".offsets (projection text NOT NULL, generation int NOT NULL, "
                + "topic text NOT NULL, partition int NOT NULL, next_offset bigint NOT NULL, epoch bigint NOT NULL, "
                + "updated timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (projection, generation, topic, partition))");
        Sql.exec(c, "CREATE SEQUENCE IF NOT EXISTS " + meta + ".epochs");
        Sql.exec(c, "CREATE TABLE IF NOT EXISTS " + meta + ".replayed (projection text NOT NULL, "
                + "dead_letter_offset bigint NOT NULL, replayed timestamptz NOT NULL DEFAULT now(), "
                + "PRIMARY KEY (projection, dead_letter_offset))");
        Sql.exec(c, "COMMENT ON TABLE " + meta + ".offsets IS 'Cairn projections: per projection, generation and "
                + "partition the next offset to apply, committed with the view rows it covers; epoch fences stale workers'");
    }

    /** Serializes structural changes (schemas, generations, views) of every runtime using this meta schema. */
    void lock(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            ps.setString(1, "cairn-projections:" + meta);
            ps.execute();
        }
    }

    /** The live generation, or 0 when the projection is new. */
    int generation(Connection c, String projection) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT generation FROM " + meta + ".projections WHERE name = ?")) {
            ps.setString(1, projection);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    void setGeneration(Connection c, String projection, int gen) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + meta + ".projections (name, generation) VALUES (?, ?) "
                + "ON CONFLICT (name) DO UPDATE SET generation = EXCLUDED.generation, updated = now()")) {
            ps.setString(1, projection);
            ps.setInt(2, gen);
            ps.executeUpdate();
        }
    }

    /** Generation schemas of {@code projection} that exist in the database, by generation. */
    Map<Integer, String> generationSchemas(Connection c, String projection) throws SQLException {
        String prefix = meta + "_" + projection + "_g";
        Map<Integer, String> found = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ?)")) {
            ps.setString(1, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String rest = rs.getString(1).substring(prefix.length());
                    if (rest.matches("[0-9]{1,9}")) {
                        found.put(Integer.parseInt(rest), rs.getString(1));
                    }
                }
            }
        }
        return found;
    }

    /** A partition's claim: the fencing epoch and where to continue (-1: from the log start). */
    record Claim(long epoch, long nextOffset) {
    }

    /** Takes a partition over: a new epoch (fencing out any earlier owner); auto-commit connection. */
    Claim claim(Connection c, String projection, int gen, String topic, int partition) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + meta + ".offsets AS o "
                + "(projection, generation, topic, partition, next_offset, epoch) VALUES (?, ?, ?, ?, -1, nextval('" + meta
                + ".epochs')) ON CONFLICT (projection, generation, topic, partition) DO UPDATE SET epoch = EXCLUDED.epoch, "
                + "updated = now() "
                + "RETURNING epoch, next_offset")) {
            ps.setString(1, projection);
            ps.setInt(2, gen);
            ps.setString(3, topic);
            ps.setInt(4, partition);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Claim(rs.getLong(1), rs.getLong(2));
            }
        }
    }

    /**
     * Stores the next offset inside the caller's transaction, if {@code epoch} still owns the partition and the
     * stored offset is still {@code previous} (the position the batch was read from): a stale worker, or a retry of a
     * batch whose commit did happen, updates no row and must roll back.
     */
    void commit(Connection c, String projection, int gen, String topic, int partition, long epoch, long previous,
                long next) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + meta + ".offsets SET next_offset = ?, updated = now() "
                + "WHERE projection = ? AND generation = ? AND topic = ? AND partition = ? AND epoch = ? "
                + "AND (next_offset = ? OR next_offset < 0)")) {
            ps.setLong(1, next);
            ps.setString(2, projection);
            ps.setInt(3, gen);
            ps.setString(4, topic);
            ps.setInt(5, partition);
            ps.setLong(6, epoch);
            ps.setLong(7, previous);
            if (ps.executeUpdate() != 1) {
                throw new FencedException(projection + " generation " + gen + " " + topic + "-" + partition
                        + ": epoch " + epoch + " at offset " + previous + " was taken over by another worker");
            }
        }
    }

    /** Committed next offsets of a generation, keyed "topic-partition". */
    Map<String, Long> offsets(Connection c, String projection, int gen) throws SQLException {
        Map<String, Long> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT topic, partition, next_offset FROM " + meta
                + ".offsets WHERE projection = ? AND generation = ?")) {
            ps.setString(1, projection);
            ps.setInt(2, gen);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1) + "-" + rs.getInt(2), rs.getLong(3));
                }
            }
        }
        return out;
    }

    void deleteOffsets(Connection c, String projection, int gen) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + meta + ".offsets WHERE projection = ? AND generation = ?")) {
            ps.setString(1, projection);
            ps.setInt(2, gen);
            ps.executeUpdate();
        }
    }

    /** Records a replayed dead letter; false when it was replayed before. */
    boolean markReplayed(Connection c, String projection, long deadLetterOffset) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + meta + ".replayed (projection, dead_letter_offset) "
                + "VALUES (?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, projection);
            ps.setLong(2, deadLetterOffset);
            return ps.executeUpdate() == 1;
        }
    }

    List<Long> replayed(DataSource ds, String projection) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT dead_letter_offset FROM " + meta + ".replayed WHERE projection = ?")) {
            ps.setString(1, projection);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }
}
