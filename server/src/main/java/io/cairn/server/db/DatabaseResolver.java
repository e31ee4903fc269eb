package io.cairn.server.db;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.Driver;

/**
 * Chooses the platform database (see {@link DatabaseSettings} and docs/server.md, "Platform database"):
 * <ol>
 *   <li>{@code cairn.db.url} when configured: used as it is, even when it does not answer yet. An explicit choice is
 *       never swapped for another database behind the operator's back (tables written elsewhere would look lost);
 *       readiness reports it DOWN instead.</li>
 *   <li>else the local service ({@code cairn.db.local}, 127.0.0.1:5432) if a login to it succeeds within
 *       {@link #PROBE_TIMEOUT_SECONDS}: its database {@code cairn.db.name} is created if missing;</li>
 *   <li>else an embedded PostgreSQL (zonky: real PostgreSQL binaries unpacked from a jar) on a free loopback port,
 *       its data under the Cairn data directory so that it survives restarts, with the same database created.</li>
 * </ol>
 */
final class DatabaseResolver {
    private static final Logger log = LoggerFactory.getLogger(DatabaseResolver.class);
    /** A local service that takes longer than this to log in is not "answering"; keeps start-up quick without one. */
    static final int PROBE_TIMEOUT_SECONDS = 2;
    /** initdb plus the first start can take a while on a busy 2-core machine. */
    private static final Duration EMBEDDED_START_WAIT = Duration.ofSeconds(60);
    /** SQLSTATE duplicate_database: another process created it between our check and our CREATE. */
    private static final String DUPLICATE_DATABASE = "42P04";

    private static final Driver DRIVER = new Driver();
    private static final int ORPHAN_STOP_SECONDS = 30;

    private DatabaseResolver() {
    }

    /** Where the platform database is; {@link #close()} stops the embedded server, if this one started it. */
    static final class Resolved implements AutoCloseable {
        final PlatformDatabase.Source source;
        final String url;
        final String user;
        final String password;
        /** What was chosen, for people: "cairn.db.url", "local PostgreSQL service at ...", "embedded PostgreSQL, data in ...". */
        final String reason;
        private final EmbeddedPostgres embedded;

        Resolved(PlatformDatabase.Source source, String url, String user, String password, String reason,
                 EmbeddedPostgres embedded) {
            this.source = source;
            this.url = url;
            this.user = user;
            this.password = password;
            this.reason = reason;
            this.embedded = embedded;
        }

        @Override
        public void close() {
            if (embedded != null) {
                try {
                    embedded.close(); // pg_ctl stop -m fast: a clean shutdown, no recovery at the next start
                } catch (IOException e) {
                    log.warn("Stopping the embedded PostgreSQL failed: {}", e.toString());
                }
            }
        }
    }

    static Resolved resolve(DatabaseSettings s) throws IOException, SQLException {
        if (s.url().isPresent()) {
            return new Resolved(PlatformDatabase.Source.CONFIGURED, s.url().get(), s.user(), s.password().orElse(null),
                    "cairn.db.url", null);
        }
        String passedOver;
        if (s.local().isPresent()) {
            DatabaseSettings.HostPort local = s.local().get();
            String server = "jdbc:postgresql://" + local.host() + ":" + local.port() + "/";
            try {
                ensureDatabase(server, s.user(), s.password().orElse(null), s.name());
                return new Resolved(PlatformDatabase.Source.LOCAL, server + s.name(), s.user(),
                        s.password().orElse(null), "local PostgreSQL service at " + local, null);
            } catch (SQLException e) {
                if (!unreachable(e)) {
                    throw e; // it answered, and something else went wrong: say so rather than hide it behind a fallback
                }
                passedOver = "the local service at " + local + " did not answer (" + e.getMessage() + ")";
                log.info("Platform database: {}; starting an embedded PostgreSQL", passedOver);
            }
        } else {
            passedOver = "cairn.db.local is off";
        }
        return startEmbedded(s, passedOver);
    }

    private static Resolved startEmbedded(DatabaseSettings s, String passedOver) throws IOException, SQLException {
        Files.createDirectories(s.embeddedDir());
        stopOrphan(s.embeddedDir());
        // PostgreSQL's own output (initdb, server log) goes to a file next to its data directory rather than through
        // zonky's pipe, which would need a reader thread of its own outside Liberty's managed threads. (Not inside
        // the data directory: initdb wants that empty.)
        File logFile = s.embeddedDir().resolveSibling(s.embeddedDir().getFileName() + ".log").toFile();
        ProcessBuilder.Redirect toLog = ProcessBuilder.Redirect.appendTo(logFile);
        EmbeddedPostgres pg;
        try {
            pg = EmbeddedPostgres.builder()
                    .setDataDirectory(s.embeddedDir())
                    .setCleanDataDirectory(false) // keep the data: initdb runs only when the directory has none
                    .setRegisterShutdownHook(false) // the application stops it; a JVM hook would pin the app's class loader
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    // zonky is made for tests and turns durability off (-F, synchronous_commit=off); the platform's
                    // tables (projection offsets) must survive a power cut, so both come back on (later -c wins).
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setOutputRedirector(toLog)
                    .setErrorRedirector(toLog)
                    .setPGStartupWait(EMBEDDED_START_WAIT)
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new IOException("The embedded PostgreSQL did not start (" + passedOver + "): " + e.getMessage()
                    + "; its log is " + logFile, e);
        }
        try {
            String server = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/";
            ensureDatabase(server, "postgres", null, s.name());
            log.info("Platform database: embedded PostgreSQL on 127.0.0.1:{}, data in {} ({})", pg.getPort(),
                    s.embeddedDir(), passedOver);
            return new Resolved(PlatformDatabase.Source.EMBEDDED, server + s.name(), "postgres", null,
                    "embedded PostgreSQL, data in " + s.embeddedDir(), pg);
        } catch (SQLException | RuntimeException e) {
            pg.close();
            throw e;
        }
    }

    /**
     * Stops a postmaster left running on {@code dataDir} by a JVM that died without stopping it (kill -9: no
     * PreDestroy, and zonky's shutdown hook is off). It still holds the directory, so a new one could not start.
     * SIGTERM is PostgreSQL's "smart" shutdown; its sessions died with their JVM, so it ends within seconds. A pid
     * file whose process is gone or is not a postgres is left to PostgreSQL, which handles stale pid files itself.
     */
    private static void stopOrphan(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        long pid;
        try {
            pid = lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return;
        }
        Optional<ProcessHandle> orphan = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(h -> h.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
        if (orphan.isEmpty()) {
            return;
        }
        log.warn("Stopping PostgreSQL (pid {}) left running on {} by an earlier run that did not stop it", pid, dataDir);
        orphan.get().destroy();
        try {
            orphan.get().onExit().get(ORPHAN_STOP_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while stopping the orphaned PostgreSQL (pid " + pid + ")", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("PostgreSQL (pid " + pid + ") left running on " + dataDir + " did not stop within "
                    + ORPHAN_STOP_SECONDS + " s; stop it and restart", e);
        }
    }

    /**
     * Whether the failure means "no usable server there": a connection failure (SQLSTATE class 08: refused, timed
     * out) or a refused login (class 28: a service that wants a password we do not have).
     */
    static boolean unreachable(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("28"));
    }

    /** Logs in to the server's {@code postgres} database and creates {@code name} there if it is missing. */
    private static void ensureDatabase(String server, String user, String password, String name) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", Integer.toString(PROBE_TIMEOUT_SECONDS));
        p.setProperty("loginTimeout", Integer.toString(PROBE_TIMEOUT_SECONDS));
        p.setProperty("socketTimeout", "30");
        p.setProperty("ApplicationName", "cairn");
        // The driver itself, not DriverManager: DriverManager only hands out drivers registered by the caller's class
        // loader, and after a redeployment the registered one is the previous deployment's ("No suitable driver").
        try (Connection c = DRIVER.connect(server + "postgres", p)) {
            try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                q.setString(1, name);
                try (ResultSet r = q.executeQuery()) {
                    if (r.next()) {
                        return;
                    }
                }
            }
            try (Statement create = c.createStatement()) {
                create.execute("CREATE DATABASE " + name); // name is a checked identifier (DatabaseSettings)
                log.info("Created database {} on {}", name, server);
            } catch (SQLException e) {
                if (!DUPLICATE_DATABASE.equals(e.getSQLState())) {
                    throw e;
                }
            }
        }
    }
}
