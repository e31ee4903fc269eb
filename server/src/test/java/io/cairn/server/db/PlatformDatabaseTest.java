package io.cairn.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.server.db.DatabaseSettings.HostPort;

/**
 * The platform database's resolution order against real PostgreSQL servers: the machine's local service on
 * 127.0.0.1:5432 (trust auth, as on the project's machines and in CI) and zonky's embedded PostgreSQL. "Nothing
 * answers" is a port that was just bound and released.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PlatformDatabaseTest {
    private static final HostPort LOCAL_SERVICE = new HostPort("127.0.0.1", 5432);

    @TempDir
    Path dataDir;

    private DatabaseSettings settings(Optional<String> url, Optional<HostPort> local, String name) {
        return new DatabaseSettings(url, "postgres", Optional.empty(), local, name, 4, dataDir.resolve(".postgres"));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static String uniqueName() {
        return "cairn_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static String query(ConnectionPool pool, String sql) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            assertThat(r.next()).as(sql).isTrue();
            return r.getString(1);
        }
    }

    private static void dropDatabase(String name) throws SQLException {
        try (ConnectionPool admin = new ConnectionPool("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", null, 1, 5_000);
             Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    private static ConnectionPool pool(DatabaseResolver.Resolved r) {
        return new ConnectionPool(r.url, r.user, r.password, 4, 5_000);
    }

    @Test
    void aConfiguredUrlWinsOverAnAnsweringLocalService() throws Exception {
        DatabaseSettings s = settings(Optional.of("jdbc:postgresql://127.0.0.1:5432/postgres"), Optional.of(LOCAL_SERVICE),
                uniqueName());
        try (DatabaseResolver.Resolved r = DatabaseResolver.resolve(s); ConnectionPool p = pool(r)) {
            assertThat(r.source).isEqualTo(PlatformDatabase.Source.CONFIGURED);
            assertThat(query(p, "SELECT current_database()")).isEqualTo("postgres");
        }
    }

    @Test
    void aConfiguredUrlThatDoesNotAnswerIsReportedNotReplaced() throws Exception {
        int port = closedPort();
        DatabaseSettings s = settings(Optional.of("jdbc:postgresql://127.0.0.1:" + port + "/cairn"), Optional.of(LOCAL_SERVICE),
                "cairn");
        try (DatabaseResolver.Resolved r = DatabaseResolver.resolve(s); ConnectionPool p = pool(r)) {
            assertThat(r.source).isEqualTo(PlatformDatabase.Source.CONFIGURED);
            assertThatThrownBy(p::getConnection).isInstanceOf(SQLException.class).hasMessageContaining(Integer.toString(port));
            assertThat(p.openConnections()).isZero();
        }
        assertThat(dataDir.resolve(".postgres")).as("no embedded server was started").doesNotExist();
    }

    @Test
    void theLocalServiceIsUsedWhenItAnswersAndGetsTheCairnDatabase() throws Exception {
        String name = uniqueName();
        try (DatabaseResolver.Resolved r = DatabaseResolver.resolve(settings(Optional.empty(), Optional.of(LOCAL_SERVICE), name));
             ConnectionPool p = pool(r)) {
            assertThat(r.source).isEqualTo(PlatformDatabase.Source.LOCAL);
            assertThat(r.url).isEqualTo("jdbc:postgresql://127.0.0.1:5432/" + name);
            assertThat(query(p, "SELECT current_database()")).isEqualTo(name);
            // Resolving again finds the database there and leaves it be.
            try (DatabaseResolver.Resolved again = DatabaseResolver.resolve(settings(Optional.empty(), Optional.of(LOCAL_SERVICE), name))) {
                assertThat(again.url).isEqualTo(r.url);
            }
        } finally {
            dropDatabase(name);
        }
        assertThat(dataDir.resolve(".postgres")).doesNotExist();
    }

    @Test
    void withNothingAnsweringAnEmbeddedPostgresStartsAndKeepsItsDataAcrossRestarts() throws Exception {
        DatabaseSettings s = settings(Optional.empty(), Optional.of(new HostPort("127.0.0.1", closedPort())), "cairn");
        try (DatabaseResolver.Resolved r = DatabaseResolver.resolve(s); ConnectionPool p = pool(r)) {
            assertThat(r.source).isEqualTo(PlatformDatabase.Source.EMBEDDED);
            assertThat(r.reason).isEqualTo("embedded PostgreSQL, data in " + s.embeddedDir());
            assertThat(query(p, "SELECT current_database()")).isEqualTo("cairn");
            assertThat(query(p, "SHOW server_version")).startsWith("14.");
            assertThat(query(p, "SHOW fsync")).as("durable, unlike zonky's test defaults").isEqualTo("on");
            assertThat(query(p, "SHOW synchronous_commit")).isEqualTo("on");
            assertThat(Thread.getAllStackTraces().keySet()).as("no output-reader thread of zonky's outside the container")
                    .noneMatch(t -> t.getName().startsWith("postgres:pid(") || t.getName().startsWith("initdb:pid("));
            try (Connection c = p.getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE kept (v text)");
                st.execute("INSERT INTO kept VALUES ('across restarts')");
            }
        }
        assertThat(Files.exists(s.embeddedDir().resolve("PG_VERSION"))).as("data under the Cairn data dir").isTrue();
        assertThat(Files.readString(dataDir.resolve(".postgres.log"))).as("PostgreSQL's own log")
                .contains("ready to accept connections");

        try (DatabaseResolver.Resolved r = DatabaseResolver.resolve(s); ConnectionPool p = pool(r)) {
            assertThat(r.source).isEqualTo(PlatformDatabase.Source.EMBEDDED);
            assertThat(query(p, "SELECT v FROM kept")).isEqualTo("across restarts");
        }
    }

    @Test
    void aLocalServiceThatRefusesTheLoginIsPassedOverToo() throws Exception {
        DatabaseSettings s = new DatabaseSettings(Optional.empty(), "no_such_role", Optional.empty(),
                Optional.of(LOCAL_SERVICE), "cairn", 4, dataDir.resolve(".postgres"));
        try (DatabaseResolver.Resolved r = DatabaseResolver.resolve(s); ConnectionPool p = pool(r)) {
            assertThat(r.source).isEqualTo(PlatformDatabase.Source.EMBEDDED);
            assertThat(query(p, "SELECT 1")).isEqualTo("1");
        }
    }

    @Test
    void aPostmasterOrphanedByAKilledJvmIsStoppedAndTheDataReused() throws Exception {
        Path pgData = dataDir.resolve(".postgres");
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), EmbeddedHolder.class.getName(), pgData.toString())
                .redirectErrorStream(true).start();
        String ready;
        try (java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream()))) {
            String line;
            ready = null;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("READY ")) {
                    ready = line.substring("READY ".length());
                    break;
                }
            }
        } finally {
            holder.destroyForcibly(); // SIGKILL: no shutdown hook, no PreDestroy, the postmaster keeps running
            holder.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(ready).as("the other JVM started PostgreSQL").isNotNull();
        long orphan = Long.parseLong(Files.readAllLines(pgData.resolve("postmaster.pid")).get(0).trim());
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).as("orphaned postmaster").contains(true);

        DatabaseSettings s = settings(Optional.empty(), Optional.empty(), "cairn");
        try (DatabaseResolver.Resolved r = DatabaseResolver.resolve(s); ConnectionPool p = pool(r)) {
            assertThat(r.source).isEqualTo(PlatformDatabase.Source.EMBEDDED);
            assertThat(query(p, "SELECT current_database()")).isEqualTo("cairn");
        }
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void theLocalProbeCanBeSwitchedOff() throws Exception {
        DatabaseSettings s = settings(Optional.empty(), Optional.empty(), "cairn");
        try (DatabaseResolver.Resolved r = DatabaseResolver.resolve(s)) {
            assertThat(r.source).isEqualTo(PlatformDatabase.Source.EMBEDDED);
        }
    }

    @Test
    void thePoolIsBoundedReusesConnectionsAndRollsBackWhatACallerLeftOpen() throws Exception {
        String table = uniqueName();
        try (ConnectionPool p = new ConnectionPool("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", null, 2, 300)) {
            try (Connection c = p.getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + table + " (v int)");
            }
            Connection a = p.getConnection();
            Connection b = p.getConnection();
            assertThatThrownBy(p::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("cairn.db.pool.size");
            a.setAutoCommit(false);
            try (Statement st = a.createStatement()) {
                st.execute("INSERT INTO " + table + " VALUES (1)");
            }
            a.close(); // never committed
            b.close();
            try (Connection c = p.getConnection()) {
                assertThat(c.getAutoCommit()).as("the next borrower gets auto-commit back").isTrue();
            }
            assertThat(query(p, "SELECT count(*) FROM " + table)).isEqualTo("0");
            assertThat(p.openConnections()).isEqualTo(2);
            try (Connection c = p.getConnection(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE " + table);
            }
        }
    }

    @Test
    void settingsRejectWhatCannotWork() {
        assertThatThrownBy(() -> settings(Optional.of("jdbc:mysql://x/y"), Optional.empty(), "cairn"))
                .hasMessageContaining("cairn.db.url");
        assertThatThrownBy(() -> settings(Optional.empty(), Optional.empty(), "cairn; DROP DATABASE postgres"))
                .hasMessageContaining("cairn.db.name");
        assertThatThrownBy(() -> HostPort.parse("localhost")).hasMessageContaining("host:port");
        assertThat(HostPort.parse("OFF")).isEmpty();
        assertThat(HostPort.parse("db.example:6543")).contains(new HostPort("db.example", 6543));
    }
}
