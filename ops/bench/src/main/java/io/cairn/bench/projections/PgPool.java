package io.cairn.bench.projections;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import javax.sql.ConnectionEvent;
import javax.sql.ConnectionEventListener;
import javax.sql.DataSource;
import javax.sql.PooledConnection;

import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * A fixed pool of PostgreSQL connections for the benchmark (the server has its own, {@code ConnectionPool}): the
 * driver's {@link PooledConnection}s hand out logical connections whose {@code close()} comes back here.
 */
final class PgPool implements DataSource, AutoCloseable {
    private final BlockingQueue<PooledConnection> idle;
    private final PooledConnection[] all;

    PgPool(String url, int size) throws SQLException {
        PGConnectionPoolDataSource source = new PGConnectionPoolDataSource();
        source.setUrl(url);
        source.setUser("postgres");
        idle = new ArrayBlockingQueue<>(size);
        all = new PooledConnection[size];
        for (int i = 0; i < size; i++) {
            PooledConnection pc = source.getPooledConnection();
            pc.addConnectionEventListener(new ConnectionEventListener() {
                @Override
                public void connectionClosed(ConnectionEvent event) {
                    idle.offer(pc);
                }

                @Override
                public void connectionErrorOccurred(ConnectionEvent event) {
                    idle.offer(pc);
                }
            });
            all[i] = pc;
            idle.add(pc);
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        try {
            PooledConnection pc = idle.poll(30, TimeUnit.SECONDS);
            if (pc == null) {
                throw new SQLException("no pooled connection within 30 s");
            }
            return pc.getConnection();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException(e);
        }
    }

    @Override
    public void close() throws SQLException {
        for (PooledConnection pc : all) {
            pc.close();
        }
    }

    @Override public Connection getConnection(String u, String p) throws SQLException { return getConnection(); }
    @Override public PrintWriter getLogWriter() { return null; }
    @Override public void setLogWriter(PrintWriter out) { }
    @Override public void setLoginTimeout(int seconds) { }
    @Override public int getLoginTimeout() { return 0; }
    @Override public Logger getParentLogger() throws SQLFeatureNotSupportedException { throw new SQLFeatureNotSupportedException(); }
    @Override public <T> T unwrap(Class<T> iface) throws SQLException { throw new SQLException("not a wrapper"); }
    @Override public boolean isWrapperFor(Class<?> iface) { return false; }
}
