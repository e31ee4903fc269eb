package io.cairn.projections;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * A read model built from topics. The runtime ({@link ProjectionRuntime}) feeds it the topics' events in order per
 * partition and writes what it does, together with the consumed offsets, in one database transaction. Implement one
 * of the two ways of writing: {@link BatchProjection} (plain JDBC, a whole batch at once: the high-volume path) or
 * {@link JpaProjection} (an event handler writing Jakarta Persistence entities).
 *
 * <p>Tables: {@link #createTables} creates {@link #tables()} with unqualified names; the runtime runs it, and every
 * write, with {@code search_path} set to the projection's current <em>generation schema</em>, and readers query
 * views of the same names in the runtime's read schema (see docs/projections.md, "Generations").
 */
public interface Projection {
    /** Unique name: lower case letters, digits and {@code _}, starting with a letter, at most 40 characters. */
    String name();

    /** The topics it consumes. */
    List<String> topics();

    /** The tables it writes, as created by {@link #createTables}; readers see each as a view of the same name. */
    List<String> tables();

    /** Creates {@link #tables()} (unqualified names; comment them with COMMENT ON, readers see the comments). */
    void createTables(Connection c) throws SQLException;
}
