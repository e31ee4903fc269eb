package io.cairn.projections;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay between the PostgreSQL JDBC driver and a real PostgreSQL that injects two faults on request. Once
 * {@link #arm armed}, it lets the next {@code COMMIT} through to the server, waits for the server's answer (so the
 * commit has happened) and then cuts the connection instead of passing the answer on: the client sees its commit fail
 * although it succeeded, which is what a connection lost during a commit does. And it can cut a chosen new connection
 * at its first statement ({@link #cutConnectionAtFirstStatement}). Everything else is relayed unchanged.
 */
final class CommitDroppingProxy implements AutoCloseable {
    private static final byte[] COMMIT = "COMMIT".getBytes(StandardCharsets.US_ASCII);
    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicInteger connectionsUntilCut = new AtomicInteger();
    private final AtomicInteger cut = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    CommitDroppingProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "commit-dropping-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The next COMMIT to pass is executed by the server, and its answer is replaced by a cut connection. */
    void arm() {
        armed.set(true);
    }

    /**
     * The {@code n}th connection opened from now on is let through its login, then cut when it sends its first
     * statement (the server sees a client gone, the client an I/O error); the others are relayed as usual.
     */
    void cutConnectionAtFirstStatement(int n) {
        connectionsUntilCut.set(n);
    }

    /** Connections cut at their first statement so far. */
    int cut() {
        return cut.get();
    }

    /** Commits whose answer was dropped so far. */
    int dropped() {
        return dropped.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(targetHost, targetPort);
                sockets.add(client);
                sockets.add(upstream);
                AtomicBoolean commitSent = new AtomicBoolean();
                boolean cutIt = connectionsUntilCut.get() > 0 && connectionsUntilCut.decrementAndGet() == 0;
                pump(client, upstream, commitSent, true, cutIt);
                pump(upstream, client, commitSent, false, false);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to, AtomicBoolean commitSent, boolean toServer, boolean cutAtFirstStatement) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (cutAtFirstStatement && n > 0 && (buf[0] == 'P' || buf[0] == 'Q')) {
                        cut.incrementAndGet(); // a statement (Parse or Query), not the SSL request or the start-up
                        closeQuietly(from);
                        closeQuietly(to);
                        return;
                    }
                    if (!toServer && commitSent.get()) {
                        dropped.incrementAndGet(); // the server answered the COMMIT: it is done; the client never hears it
                        closeQuietly(from);
                        closeQuietly(to);
                        return;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                    if (toServer && contains(buf, n, COMMIT) && armed.compareAndSet(true, false)) {
                        commitSent.set(true);
                    }
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "commit-dropping-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static boolean contains(byte[] buf, int n, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= n; i++) {
            for (int j = 0; j < what.length; j++) {
                if (buf[i + j] != what[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(CommitDroppingProxy::closeQuietly);
    }
}
