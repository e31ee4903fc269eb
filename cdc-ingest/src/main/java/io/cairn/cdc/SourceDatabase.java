package io.cairn.cdc;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

/**
 * Cairn's own short JDBC sessions with a connector's database, beside Debezium's: its current log position (for
 * lag), row counts (snapshot progress), and dropping the replication slot and publication of a deleted connector.
 * Drivers are used directly, not through DriverManager, which only sees drivers of the caller's class loader (see
 * docs/server.md).
 *
 * <p>Thread-safety: stateless; each call opens and closes its own connection (5 s connect and query timeouts).
 */
final class SourceDatabase {
    private final ConnectorConfig config;

    SourceDatabase(ConnectorConfig config) {
        this.config = config;
    }

    private Connection connect() throws SQLException {
        Map<String, String> c = config.given();
        Properties p = new Properties();
        p.setProperty("user", c.get("database.user"));
        if (c.get("database.password") != null) {
            p.setProperty("password", c.get("database.password"));
        }
        String host = c.get("database.hostname");
        Driver driver;
        String url;
        if (config.kind() == ConnectorKind.POSTGRES) {
            p.setProperty("connectTimeout", "5");
            url = "jdbc:postgresql://" + host + ":" + c.getOrDefault("database.port", "5432") + "/" + c.get("database.dbname");
            driver = new org.postgresql.Driver();
        } else {
            p.setProperty("connectTimeout", "5000");
            url = "jdbc:mariadb://" + host + ":" + c.getOrDefault("database.port", "3306") + "/";
            driver = new org.mariadb.jdbc.Driver();
        }
        Connection conn = driver.connect(url, p);
        if (conn == null) {
            throw new SQLException("The driver refused " + url);
        }
        return conn;
    }

    /** The database's current log position: {@code [text, comparable bytes or -1]}. */
    Object[] currentPosition() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.setQueryTimeout(5);
            if (config.kind() == ConnectorKind.POSTGRES) {
                try (ResultSet r = s.executeQuery("SELECT pg_current_wal_lsn()::text, "
                        + "pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
                    r.next();
                    return new Object[] {r.getString(1), r.getLong(2)};
                }
            }
            try (ResultSet r = s.executeQuery("SHOW MASTER STATUS")) {
                if (!r.next()) {
                    return new Object[] {null, -1L};
                }
                return new Object[] {r.getString(1) + ":" + r.getLong(2), r.getLong(2)};
            }
        }
    }

    /** Rows in {@code table} ({@code schema.table} as Debezium names it). */
    long countRows(String table) throws SQLException {
        int dot = table.indexOf('.');
        String q = config.kind() == ConnectorKind.POSTGRES ? "\"" : "`";
        String name = q + table.substring(0, dot).replace(q, q + q) + q + "." + q
                + table.substring(dot + 1).replace(q, q + q) + q;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.setQueryTimeout(30);
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM " + name)) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    /**
     * Drops the connector's replication slot (an abandoned slot keeps WAL forever) and, when Cairn's defaults had
     * Debezium create it, its publication. Nothing to do for MariaDB.
     */
    void dropSlot(Properties debezium) throws SQLException {
        if (config.kind() != ConnectorKind.POSTGRES) {
            return;
        }
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.setQueryTimeout(10);
            String slot = debezium.getProperty("slot.name");
            try (var ps = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                    + "WHERE slot_name = ? AND NOT active")) {
                ps.setString(1, slot);
                ps.execute();
            }
            if (!"disabled".equals(debezium.getProperty("publication.autocreate.mode"))) {
                s.execute("DROP PUBLICATION IF EXISTS \"" + debezium.getProperty("publication.name").replace("\"", "\"\"") + "\"");
            }
        }
    }
}
