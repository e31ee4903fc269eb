package io.cairn.server.db;

import java.nio.file.Path;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;

/**
 * Where the platform's tables (projections, sagas) live, read from MicroProfile Config. Resolution order, in
 * {@link DatabaseResolver}: the configured {@code url}, else the local service at {@code local} if it answers, else
 * an embedded PostgreSQL with its data in {@code embeddedDir}.
 *
 * @param url         {@code cairn.db.url}: a PostgreSQL JDBC URL; when set it is used as it is, never replaced
 * @param user        {@code cairn.db.user} (postgres): for the configured URL (unless the URL names one) and the local probe
 * @param password    {@code cairn.db.password} (none)
 * @param local       {@code cairn.db.local} (127.0.0.1:5432): the local service to probe; {@code off} skips it
 * @param name        {@code cairn.db.name} (cairn): the database created on the local service or the embedded one
 * @param poolSize    {@code cairn.db.pool.size} (8): most connections open at once
 * @param embeddedDir {@code <cairn.data.dir>/.postgres}: the embedded PostgreSQL's data (kept across restarts; the
 *                    leading dot keeps the log engine from taking it for a topic)
 */
public record DatabaseSettings(Optional<String> url, String user, Optional<String> password, Optional<HostPort> local,
                               String name, int poolSize, Path embeddedDir) {

    /** A {@code host:port} to probe. */
    public record HostPort(String host, int port) {
        public HostPort {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("cairn.db.local needs a host, as host:port");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("cairn.db.local port must be between 1 and 65535, not " + port);
            }
        }

        static Optional<HostPort> parse(String s) {
            String v = s.trim();
            if (v.equalsIgnoreCase("off")) {
                return Optional.empty();
            }
            int colon = v.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("cairn.db.local must be host:port or off, not '" + s + "'");
            }
            try {
                return Optional.of(new HostPort(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1))));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cairn.db.local must be host:port or off, not '" + s + "'");
            }
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    public DatabaseSettings {
        url = url.map(String::trim).filter(u -> !u.isEmpty());
        if (url.isPresent() && !url.get().startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("cairn.db.url must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database), not '"
                    + url.get() + "'");
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("cairn.db.user must not be empty");
        }
        // The name goes into CREATE DATABASE: only plain identifiers, so it never needs quoting.
        if (name == null || !name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("cairn.db.name must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 63), not '"
                    + name + "'");
        }
        if (poolSize < 1 || poolSize > 1000) {
            throw new IllegalArgumentException("cairn.db.pool.size must be between 1 and 1000, not " + poolSize);
        }
    }

    public static DatabaseSettings from(Config c) {
        Path dataDir = Path.of(c.getOptionalValue("cairn.data.dir", String.class).orElse("cairn-data"));
        return new DatabaseSettings(
                c.getOptionalValue("cairn.db.url", String.class),
                c.getOptionalValue("cairn.db.user", String.class).orElse("postgres"),
                c.getOptionalValue("cairn.db.password", String.class),
                HostPort.parse(c.getOptionalValue("cairn.db.local", String.class).orElse("127.0.0.1:5432")),
                c.getOptionalValue("cairn.db.name", String.class).orElse("cairn"),
                c.getOptionalValue("cairn.db.pool.size", Integer.class).orElse(8),
                dataDir.toAbsolutePath().resolve(".postgres"));
    }
}
