package io.cairn.cdc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;

/**
 * The database services the tests capture from: PostgreSQL at {@code cairn.cdc.test.pg} (default 127.0.0.1:5432,
 * user postgres, trust) and MariaDB at {@code cairn.cdc.test.mariadb} (default 127.0.0.1:3306, root, no password).
 * {@code .ci/services} sets them up as Debezium needs (wal_level=logical; binlog on, ROW); a test whose database is
 * not set up so is skipped (an assumption) with the reason, rather than failing a build on a machine without them.
 * Every name a test creates starts with {@code cdc_}.
 */
final class TestDatabases {
    static final String PG = System.getProperty("cairn.cdc.test.pg", "127.0.0.1:5432");
    static final String MARIADB = System.getProperty("cairn.cdc.test.mariadb", "127.0.0.1:3306");

    private TestDatabases() {
    }

    static String pgHost() {
        return PG.substring(0, PG.indexOf(':'));
    }

    static String pgPort() {
        return PG.substring(PG.indexOf(':') + 1);
    }

    static String mariaHost() {
        return MARIADB.substring(0, MARIADB.indexOf(':'));
    }

    static String mariaPort() {
        return MARIADB.substring(MARIADB.indexOf(':') + 1);
    }

    static Connection pg(String db) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + PG + "/" + db, "postgres", "");
    }

    static Connection maria(String db) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + MARIADB + "/" + db, "root", "");
    }

    /** A fresh PostgreSQL database {@code name} (dropped first, with any slot of its own left by a failed run). */
    static void freshPg(String name) throws SQLException {
        try (Connection c = pg("postgres"); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("show wal_level")) {
                r.next();
                if (!"logical".equals(r.getString(1))) {
                    Assumptions.abort("PostgreSQL at " + PG + " has wal_level=" + r.getString(1)
                            + "; Debezium needs logical (run .ci/services, or point -Dcairn.cdc.test.pg at one that has)");
                }
            }
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '" + name
                    + "' AND NOT active");
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + name);
        }
    }

    static void dropPg(String name) throws SQLException {
        try (Connection c = pg("postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '" + name
                    + "' AND NOT active");
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    static long slots(String slot) throws SQLException {
        try (Connection c = pg("postgres"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            r.next();
            return r.getLong(1);
        }
    }

    static void freshMaria(String name) throws SQLException {
        try (Connection c = maria(""); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("select @@log_bin, @@binlog_format")) {
                r.next();
                if (r.getInt(1) != 1 || !"ROW".equals(r.getString(2))) {
                    Assumptions.abort("MariaDB at " + MARIADB + " has log_bin=" + r.getInt(1)
                            + ", binlog_format=" + r.getString(2) + "; Debezium needs the binlog in ROW format (run "
                            + ".ci/services, or point -Dcairn.cdc.test.mariadb at one that has)");
                }
            }
            s.execute("DROP DATABASE IF EXISTS " + name);
            s.execute("CREATE DATABASE " + name);
        }
    }

    static void dropMaria(String name) throws SQLException {
        try (Connection c = maria(""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name);
        }
    }

    static Map<String, String> pgConnector(String db, String name, String tables) {
        Map<String, String> m = new HashMap<>();
        m.put("type", "postgres");
        m.put("database.hostname", pgHost());
        m.put("database.port", pgPort());
        m.put("database.user", "postgres");
        m.put("database.password", "");
        m.put("database.dbname", db);
        m.put("slot.name", name);
        m.put("publication.name", name);
        m.put("topic.prefix", name);
        m.put("table.include.list", tables);
        return m;
    }

    static Map<String, String> mariaConnector(String db, String name) {
        Map<String, String> m = new HashMap<>();
        m.put("type", "mariadb");
        m.put("database.hostname", mariaHost());
        m.put("database.port", mariaPort());
        m.put("database.user", "root");
        m.put("database.password", "");
        m.put("database.include.list", db);
        m.put("topic.prefix", name);
        return m;
    }
}
