package io.cairn.server.db;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

import javax.sql.DataSource;

/**
 * The platform {@link DataSource} handed to other beans before the database is chosen: choosing can take a while
 * (an embedded PostgreSQL's first start runs initdb), and the application should not wait for it to deploy. A
 * connection asked for meanwhile waits, at most {@code waitMillis}; after a failed choice it fails with the reason.
 */
final class DeferredDataSource implements DataSource {
    private final CompletableFuture<ConnectionPool> pool;
    private final long waitMillis;

    DeferredDataSource(CompletableFuture<ConnectionPool> pool, long waitMillis) {
        this.pool = pool;
        this.waitMillis = waitMillis;
    }

    private DataSource target() throws SQLException {
        try {
            return pool.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new SQLTransientConnectionException("The platform database is still starting (waited " + waitMillis
                    + " ms)", "08001");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLTransientConnectionException("Interrupted while waiting for the platform database", e);
        } catch (ExecutionException e) {
            throw new SQLException("The platform database is not available: " + e.getCause().getMessage(), "08001",
                    e.getCause());
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        return target().getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return target().getConnection(username, password);
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
        // fixed by the pool
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
        return target().unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || target().isWrapperFor(iface);
    }
}
