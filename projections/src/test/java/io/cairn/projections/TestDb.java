package io.cairn.projections;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.postgresql.ds.PGSimpleDataSource;

/**
 * A database of its own on the machine's PostgreSQL service (127.0.0.1:5432, user postgres), named {@code proj_*},
 * created empty for a test class and dropped at the end.
 */
final class TestDb implements AutoCloseable {
    private static final String ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
    final String name;
    final PGSimpleDataSource ds;
    private final boolean owned;

    /** Queries on a database of someone else's (a private cluster's): nothing is created, nothing dropped. */
    static TestDb on(PGSimpleDataSource ds) {
        return new TestDb(ds);
    }

    private TestDb(PGSimpleDataSource ds) {
        this.name = ds.getDatabaseName();
        this.ds = ds;
        this.owned = false;
    }

    TestDb(String name) throws SQLException {
        this.name = name;
        this.ds = new PGSimpleDataSource();
        this.owned = true;
        try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", null); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            st.execute("CREATE DATABASE " + name);
        }
        ds.setUrl("jdbc:postgresql://127.0.0.1:5432/" + name);
        ds.setUser("postgres");
        ds.setConnectTimeout(5);
    }

    /** Ends every other session on this test's database (what a PostgreSQL restart does to them); returns how many. */
    int terminateSessions() throws SQLException {
        try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     + "WHERE datname = '" + name + "' AND pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The rows of a query as strings, one per row, columns separated by |, in the query's order. */
    List<String> rows(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    b.append(i > 1 ? "|" : "").append(rs.getString(i));
                }
                out.add(b.toString());
            }
        }
        return out;
    }

    long count(String sql) throws SQLException {
        return Long.parseLong(rows(sql).get(0));
    }

    @Override
    public void close() throws SQLException {
        if (!owned) {
            return;
        }
        try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", null); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
