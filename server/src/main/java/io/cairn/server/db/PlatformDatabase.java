package io.cairn.server.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL that holds the platform's own tables (projections' views and offsets, sagas): chosen when the
 * application starts ({@link DatabaseResolver}: the configured one, else the local service, else an embedded one),
 * offered to other beans as {@code @Inject @Platform DataSource} (a small pool, {@link ConnectionPool}), and stopped
 * with the application (the embedded server too). Choosing runs on Liberty's managed executor, so the application
 * deploys at once; until the choice is made the database's readiness check is DOWN and connections wait for it.
 * Once chosen, a {@link Status} event announces it (the start-up banner prints it).
 *
 * <p>States: STARTING → READY | FAILED → CLOSED. A configured URL that does not answer is READY as chosen (it may
 * come up later); its readiness check is DOWN while connections fail.
 */
@ApplicationScoped
public class PlatformDatabase {
    private static final Logger log = LoggerFactory.getLogger(PlatformDatabase.class);
    /** How long a connection request waits for the database to be chosen (an embedded first start runs initdb). */
    private static final long CHOOSE_WAIT_MILLIS = 120_000;
    /** How long a caller waits for a free pooled connection. */
    private static final long POOL_WAIT_MILLIS = 30_000;

    /** Where the database came from. */
    public enum Source {
        /** {@code cairn.db.url} */
        CONFIGURED,
        /** the local service ({@code cairn.db.local}, 127.0.0.1:5432) answered */
        LOCAL,
        /** started by Cairn (zonky embedded PostgreSQL), data under the Cairn data directory */
        EMBEDDED
    }

    public enum State {
        STARTING, READY, FAILED, CLOSED
    }

    /**
     * @param source null until chosen
     * @param url    the JDBC URL without its query (which may hold a password); empty until chosen
     * @param detail why this source, or why choosing failed
     */
    public record Status(State state, Source source, String url, String detail) {
    }

    @Inject
    Config config;

    @Inject
    Event<Status> chosen;

    @Resource(lookup = "java:comp/DefaultManagedExecutorService")
    ManagedExecutorService executor;

    private final CompletableFuture<ConnectionPool> pool = new CompletableFuture<>();
    private final DataSource dataSource = new DeferredDataSource(pool, CHOOSE_WAIT_MILLIS);
    private volatile Status status = new Status(State.STARTING, null, "", "choosing");
    private DatabaseResolver.Resolved resolved;

    void onApplicationStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        start(config, executor);
    }

    void start(Config c, Executor on) {
        DatabaseSettings s;
        try {
            s = DatabaseSettings.from(c);
        } catch (RuntimeException e) {
            fail("invalid settings: " + e.getMessage(), e);
            return;
        }
        on.execute(() -> choose(s));
    }

    private void choose(DatabaseSettings s) {
        DatabaseResolver.Resolved r;
        try {
            r = DatabaseResolver.resolve(s);
        } catch (Exception e) {
            fail(e.getMessage(), e);
            return;
        }
        ConnectionPool p = new ConnectionPool(r.url, r.user, r.password, s.poolSize(), POOL_WAIT_MILLIS);
        Status st = new Status(State.READY, r.source, withoutQuery(r.url), r.reason);
        synchronized (this) {
            if (status.state() == State.CLOSED) { // the application stopped while we chose
                p.close();
                r.close();
                return;
            }
            resolved = r;
            status = st;
        }
        pool.complete(p);
        log.info("Platform database: {} ({}): {}", st.url(), st.source(), st.detail());
        chosen.fire(st);
    }

    private void fail(String reason, Throwable cause) {
        Status st = new Status(State.FAILED, null, "", reason);
        synchronized (this) {
            if (status.state() == State.CLOSED) {
                return;
            }
            status = st;
        }
        pool.completeExceptionally(cause);
        log.error("No platform database: {}", reason, cause);
        chosen.fire(st);
    }

    @PreDestroy
    void stop() {
        DatabaseResolver.Resolved r;
        synchronized (this) {
            status = new Status(State.CLOSED, status.source(), status.url(), "the application stopped");
            r = resolved;
            resolved = null;
        }
        // Waiters for a choice still in progress are released; the choice, when it ends, sees CLOSED and undoes itself.
        pool.completeExceptionally(new IllegalStateException("the application stopped"));
        ConnectionPool p = pool.isCompletedExceptionally() ? null : pool.join();
        if (p != null) {
            p.close();
        }
        if (r != null) {
            r.close(); // stops an embedded server after its connections are closed
        }
    }

    /** The platform database's pool. */
    @Produces
    @Platform
    DataSource dataSource() {
        return dataSource;
    }

    public Status status() {
        return status;
    }

    /** Whether a connection can be had and answers within {@code timeoutSeconds}; the reason when not. */
    String check(int timeoutSeconds) {
        ConnectionPool p = pool.getNow(null);
        if (p == null) {
            return "not chosen";
        }
        try (Connection c = p.getConnection(TimeUnit.SECONDS.toMillis(timeoutSeconds))) {
            return c.isValid(timeoutSeconds) ? null : "the connection did not answer within " + timeoutSeconds + " s";
        } catch (SQLException e) {
            return e.getMessage();
        }
    }

    static String withoutQuery(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }
}
