package io.cairn.projections;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.util.regex.Pattern;

import javax.sql.DataSource;

/** Small SQL helpers: identifier checks, literals, and telling transient database failures from poison. */
final class Sql {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    private Sql() {
    }

    /** Names become SQL identifiers unquoted, so only a safe subset is accepted. */
    static String checkName(String what, String name, int maxLength) {
        if (name == null || !NAME.matcher(name).matches() || name.length() > maxLength) {
            throw new IllegalArgumentException(what + " must be lower case letters, digits and _, starting with a letter, "
                    + "at most " + maxLength + " characters: '" + name + "'");
        }
        return name;
    }

    static String literal(String s) {
        return s == null ? "NULL" : "'" + s.replace("'", "''") + "'";
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /**
     * True when a failure says nothing about the events: the database went away, is shutting down, is out of
     * resources, or aborted the transaction for a conflict. Such a batch is retried (after reconnecting), never
     * dead-lettered.
     */
    static boolean isTransient(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLTransientException || c instanceof SQLRecoverableException) {
                return true;
            }
            if (c instanceof SQLException e) {
                String state = e.getSQLState();
                if (state != null && (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")
                        || state.equals("40001") || state.equals("40P01"))) {
                    return true;
                }
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    /** Work inside a transaction. */
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction on a connection of {@code ds}: commits when it returns, rolls back when it
     * throws, and hands the connection back in auto-commit mode.
     */
    static <T> T inTransaction(DataSource ds, Work<T> work) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                T t = work.run(c);
                c.commit();
                return t;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                resetAutoCommit(c);
            }
        }
    }

    static void resetAutoCommit(Connection c) {
        try {
            if (!c.isClosed()) {
                c.setAutoCommit(true);
            }
        } catch (SQLException ignored) {
            // broken connection: closing it is all that is left
        }
    }

    static void rollbackQuietly(Connection c) {
        try {
            if (!c.isClosed()) {
                c.rollback();
            }
        } catch (SQLException ignored) {
            // the connection is gone: PostgreSQL rolled the transaction back itself
        }
    }
}
