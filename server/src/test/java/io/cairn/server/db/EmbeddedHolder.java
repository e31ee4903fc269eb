package io.cairn.server.db;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A separate JVM that starts an embedded PostgreSQL on the data directory in {@code args[0]}, says so on stdout, and
 * waits to be killed: {@link PlatformDatabaseTest} kills it with SIGKILL to leave an orphaned postmaster behind.
 */
public final class EmbeddedHolder {
    private EmbeddedHolder() {
    }

    public static void main(String[] args) throws Exception {
        DatabaseSettings s = new DatabaseSettings(Optional.empty(), "postgres", Optional.empty(), Optional.empty(), "cairn",
                1, Path.of(args[0]));
        DatabaseResolver.Resolved r = DatabaseResolver.resolve(s);
        System.out.println("READY " + r.url);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
