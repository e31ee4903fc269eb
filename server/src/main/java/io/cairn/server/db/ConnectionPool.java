package io.cairn.server.db;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

import javax.sql.ConnectionEvent;
import javax.sql.ConnectionEventListener;
import javax.sql.DataSource;
import javax.sql.PooledConnection;

import org.postgresql.Driver;
import org.postgresql.ds.PGPooledConnection;

/**
 * A small bounded pool of PostgreSQL connections, as a {@link DataSource}.
 *
 * <p>Why our own: Liberty's {@code <dataSource>} needs its URL in {@code server.xml}, and the platform database's URL
 * is only known once {@link DatabaseResolver} has chosen (possibly an embedded server on a port picked at start).
 * Why this small: the JDBC driver already implements the hard part, JDBC's pooling contract: a
 * {@link PGPooledConnection} wraps one physical connection, hands out a logical handle whose {@code close()} rolls back
 * an open transaction, resets auto-commit and tells us (a {@link ConnectionEvent}), and reports fatal errors (broken
 * socket) the same way. This class only adds the bound, the wait, and a liveness check of connections left idle.
 *
 * <p>Limits: at most {@code maxSize} connections at once; a caller waits at most {@code waitMillis} for one, then
 * gets an {@link SQLTransientConnectionException}. A handle that is never closed keeps its slot (as in any pool).
 * Session state set with {@code SET} is not reset between borrowers.
 *
 * <p>Thread-safety: safe for concurrent use; the idle list is guarded by {@code this}.
 */
final class ConnectionPool implements DataSource, AutoCloseable {
    /** Connections idle longer than this are checked with {@link Connection#isValid} before they are handed out. */
    private static final long VALIDATE_AFTER_IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int VALIDATE_TIMEOUT_SECONDS = 2;

    private final String url;
    private final Properties properties;
    private final int maxSize;
    private final long waitMillis;
    private final Semaphore permits;
    private final Deque<Idle> idle = new ArrayDeque<>();
    private final LongSupplier nanoTime;
    private final Driver driver = new Driver();
    private int open;
    private boolean closed;

    private record Idle(Member member, long since) {
    }

    /** One physical connection of the pool, and how it comes back. */
    private final class Member implements ConnectionEventListener {
        final PooledConnection pooled;

        Member(PooledConnection pooled) {
            this.pooled = pooled;
        }

        @Override
        public void connectionClosed(ConnectionEvent event) {
            giveBack(this);
        }

        @Override
        public void connectionErrorOccurred(ConnectionEvent event) {
            // A fatal error (the connection broke): drop it; discard() unhooks us, so the handle's close() is not counted again.
            discard(this);
            permits.release();
        }
    }

    ConnectionPool(String url, String user, String password, int maxSize, long waitMillis) {
        this(url, user, password, maxSize, waitMillis, System::nanoTime);
    }

    ConnectionPool(String url, String user, String password, int maxSize, long waitMillis, LongSupplier nanoTime) {
        if (maxSize < 1) {
            throw new IllegalArgumentException("maxSize must be positive, not " + maxSize);
        }
        this.url = url;
        this.properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("ApplicationName", "cairn");
        this.maxSize = maxSize;
        this.waitMillis = waitMillis;
        this.permits = new Semaphore(maxSize, true);
        this.nanoTime = nanoTime;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return getConnection(waitMillis);
    }

    /** A connection, waiting at most {@code waitMillis} for a free one (the health check waits less than callers). */
    Connection getConnection(long waitMillis) throws SQLException {
        try {
            if (!permits.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                throw new SQLTransientConnectionException("No connection to " + url + " free within " + waitMillis
                        + " ms (all " + maxSize + " in use: cairn.db.pool.size)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLTransientConnectionException("Interrupted while waiting for a connection", e);
        }
        try {
            return borrow();
        } catch (SQLException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    /** With a permit held: an idle connection that still works, else a new one. */
    private Connection borrow() throws SQLException {
        while (true) {
            Idle i;
            synchronized (this) {
                if (closed) {
                    throw new SQLException("The connection pool for " + url + " is closed", "08003");
                }
                i = idle.pollFirst(); // most recently used first: the warmest connection, and the others age out
            }
            if (i == null) {
                return open();
            }
            Connection handle;
            try {
                handle = i.member().pooled.getConnection();
            } catch (SQLException e) {
                discard(i.member());
                continue;
            }
            if (nanoTime.getAsLong() - i.since() < VALIDATE_AFTER_IDLE_NANOS || handle.isValid(VALIDATE_TIMEOUT_SECONDS)) {
                return handle;
            }
            discard(i.member()); // the server went away (restart, idle timeout): try the next, or a new one
        }
    }

    private Connection open() throws SQLException {
        Connection physical = driver.connect(url, properties);
        if (physical == null) {
            throw new SQLException("Not a PostgreSQL JDBC URL: " + url, "08001");
        }
        Member m = new Member(new PGPooledConnection(physical, true)); // handles reset to auto-commit
        m.pooled.addConnectionEventListener(m);
        synchronized (this) {
            open++;
        }
        return m.pooled.getConnection();
    }

    private void giveBack(Member m) {
        boolean keep;
        synchronized (this) {
            keep = !closed;
            if (keep) {
                idle.addFirst(new Idle(m, nanoTime.getAsLong()));
            }
        }
        if (!keep) {
            discard(m);
        }
        permits.release();
    }

    private void discard(Member m) {
        m.pooled.removeConnectionEventListener(m);
        synchronized (this) {
            open--;
        }
        try {
            m.pooled.close();
        } catch (SQLException e) {
            // already broken: nothing more to release
        }
    }

    /** Physical connections open now (borrowed or idle). */
    synchronized int openConnections() {
        return open;
    }

    /** Closes idle connections now and borrowed ones as they come back; later borrows fail. */
    @Override
    public void close() {
        Deque<Idle> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayDeque<>(idle);
            idle.clear();
        }
        for (Idle i : toClose) {
            discard(i.member());
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("The platform pool has one set of credentials (cairn.db.user)");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // logging goes through slf4j
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // fixed: connectTimeout 10 s, waits bounded by waitMillis
    }

    @Override
    public int getLoginTimeout() {
        return 10;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("Not a wrapper of " + iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "ConnectionPool[" + url + ", max " + maxSize + "]";
    }
}
