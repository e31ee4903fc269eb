package io.cairn.projections;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.postgresql.ds.PGSimpleDataSource;

/**
 * A PostgreSQL cluster of a test's own (the machine's PostgreSQL 15 binaries), which the test may stop and start at
 * will, unlike the shared service: {@code initdb} into a temporary directory, trust authentication, a free port
 * (never 5432), its socket in the same directory. initdb and postgres refuse to run as root, so as root the binaries
 * run as the {@code postgres} user through {@code runuser}, and the directory is handed to that user.
 * {@link #close} stops it (immediate) and deletes the directory.
 */
final class PrivatePostgres implements AutoCloseable {
    static final Path BIN = Path.of(System.getProperty("cairn.test.pg.bin", "/usr/lib/postgresql/15/bin"));

    private final Path dir;
    private final Path data;
    private final int port;
    private final boolean asRoot;
    final PGSimpleDataSource ds = new PGSimpleDataSource();
    private final Thread cleanup = new Thread(this::close, "private-postgres-cleanup");

    /** Null when the binaries are usable, else why not. */
    static String unavailable() {
        for (String b : List.of("initdb", "pg_ctl", "postgres")) {
            if (!Files.isExecutable(BIN.resolve(b))) {
                return BIN.resolve(b) + " is missing (PostgreSQL 15 server binaries; set -Dcairn.test.pg.bin=<dir>)";
            }
        }
        if (isRoot() && !Files.isExecutable(Path.of("/usr/sbin/runuser")) && !Files.isExecutable(Path.of("/sbin/runuser"))) {
            return "running as root, and runuser (to run PostgreSQL as the postgres user) is missing";
        }
        return null;
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    PrivatePostgres(String database) throws IOException, InterruptedException, SQLException {
        this.asRoot = isRoot();
        this.dir = Files.createTempDirectory("cairn-pg-");
        this.data = dir.resolve("data");
        Runtime.getRuntime().addShutdownHook(cleanup); // a JVM ended early (Ctrl-C) leaves no server behind
        try {
            if (asRoot) {
                run(List.of("chown", "postgres", dir.toString()), false);
            }
            run(List.of(BIN.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "postgres",
                    "-E", "UTF8", "--no-sync"), true);
            this.port = freePort();
            start();
            try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", null)) {
                c.createStatement().execute("CREATE DATABASE " + database);
            }
            ds.setUrl(url(database));
            ds.setUser("postgres");
            ds.setConnectTimeout(2);
        } catch (IOException | InterruptedException | SQLException | RuntimeException e) {
            close();
            throw e;
        }
    }

    int port() {
        return port;
    }

    String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Starts the server and waits until it accepts connections. */
    void start() throws IOException, InterruptedException {
        run(List.of(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c max_connections=60",
                "start"), true);
    }

    /** Stops the server: {@code fast} (sessions ended, a clean shutdown) or {@code immediate} (like a crash). */
    void stop(String mode) throws IOException, InterruptedException {
        run(List.of(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", mode, "-w", "-t", "60", "stop"), true);
    }

    boolean running() {
        return Files.exists(data.resolve("postmaster.pid"));
    }

    String serverLog() {
        try {
            return Files.readString(dir.resolve("server.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no server log: " + e + ")";
        }
    }

    private void run(List<String> command, boolean asPostgres) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (asPostgres && asRoot) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(command);
        Path out = Files.createTempFile("cairn-pg-cmd-", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("Timed out: " + String.join(" ", cmd));
            }
            if (p.exitValue() != 0) {
                throw new IOException("Failed (" + p.exitValue() + "): " + String.join(" ", cmd) + "\n"
                        + Files.readString(out) + (Files.exists(dir.resolve("server.log")) ? serverLog() : ""));
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static int freePort() throws IOException {
        for (int i = 0; i < 20; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int p = s.getLocalPort();
                if (p != 5432) {
                    return p;
                }
            }
        }
        throw new IOException("No free port");
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // called from the hook itself
        }
        try {
            if (running()) {
                stop("immediate");
            }
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("Could not stop the private PostgreSQL in " + dir + ": " + e);
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("Could not delete " + dir + ": " + e);
        }
    }
}
