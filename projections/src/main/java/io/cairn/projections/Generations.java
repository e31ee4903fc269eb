package io.cairn.projections;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;

/**
 * Generation schemas and the readers' views over them. Each generation of a projection has its own schema
 * ({@link MetaStore#generationSchema}) with the projection's tables; readers query views of the same names in the
 * read schema, each {@code SELECT * FROM <generation schema>.<table>}, carrying the tables' comments. Switching a
 * generation re-points every view of the projection in one transaction: PostgreSQL's DDL is transactional, so a
 * query sees either all old or all new tables, never a half-built one (docs/projections.md, "Rebuild").
 */
final class Generations {
    private Generations() {
    }

    /** Creates the schema and the projection's tables in it (inside the caller's transaction). */
    static void create(Connection c, Projection p, String schema) throws SQLException {
        Sql.exec(c, "CREATE SCHEMA " + schema);
        Applier.setSearchPath(c, schema);
        p.createTables(c);
        Sql.exec(c, "SET LOCAL search_path TO DEFAULT");
        for (String t : p.tables()) {
            if (!exists(c, schema, t)) {
                throw new SQLException(p.name() + ".createTables did not create its table '" + t + "' in " + schema);
            }
        }
    }

    /** Points the views of {@code p} in {@code readSchema} at {@code schema} (inside the caller's transaction). */
    static void pointViews(Connection c, Projection p, String readSchema, String schema) throws SQLException {
        Sql.exec(c, "CREATE SCHEMA IF NOT EXISTS " + readSchema);
        for (String t : p.tables()) {
            Sql.checkName("table", t, 63);
            String view = readSchema + "." + t;
            String select = "SELECT * FROM " + schema + "." + t;
            Savepoint sp = c.setSavepoint();
            try {
                Sql.exec(c, "CREATE OR REPLACE VIEW " + view + " AS " + select);
            } catch (SQLException columnsChanged) {
                // the new generation's table has other columns: replace the view (views built on it must be re-made)
                c.rollback(sp);
                Sql.exec(c, "DROP VIEW IF EXISTS " + view);
                Sql.exec(c, "CREATE VIEW " + view + " AS " + select);
            }
            copyComments(c, schema, t, view);
        }
    }

    private static void copyComments(Connection c, String schema, String table, String view) throws SQLException {
        List<String> statements = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, col_description(a.attrelid, a.attnum), "
                + "obj_description(a.attrelid, 'pg_class') FROM pg_attribute a "
                + "WHERE a.attrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass AND a.attnum > 0 AND NOT a.attisdropped")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                String tableComment = null;
                while (rs.next()) {
                    tableComment = rs.getString(3);
                    if (rs.getString(2) != null) {
                        statements.add("COMMENT ON COLUMN " + view + ".\"" + rs.getString(1).replace("\"", "\"\"")
                                + "\" IS " + Sql.literal(rs.getString(2)));
                    }
                }
                statements.add("COMMENT ON VIEW " + view + " IS " + Sql.literal(tableComment));
            }
        }
        for (String s : statements) {
            Sql.exec(c, s);
        }
    }

    static void drop(Connection c, String schema) throws SQLException {
        Sql.exec(c, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    static void truncate(Connection c, Projection p, String schema) throws SQLException {
        for (String t : p.tables()) {
            Sql.exec(c, "TRUNCATE " + schema + "." + t);
        }
    }

    private static boolean exists(Connection c, String schema, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_tables WHERE schemaname = ? AND tablename = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
