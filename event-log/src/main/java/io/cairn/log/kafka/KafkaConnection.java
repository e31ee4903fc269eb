package io.cairn.log.kafka;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection. Frames arrive from Netty's length-field decoder; requests are processed strictly one at a
 * time, in arrival order, on the broker's worker threads, and each response is written before the next request starts
 * (Kafka's per-connection ordering, which the idempotent producer and the consumer rely on). Up to
 * {@code maxInFlightRequests} frames are buffered; past that the connection is not read (back pressure), and likewise
 * while the socket cannot take more output.
 */
final class KafkaConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(KafkaConnection.class);
    private static final ListenerName LISTENER = ListenerName.normalised("PLAINTEXT");

    private final KafkaBroker broker;
    private final KafkaApis apis;
    private final Executor workers;
    private final int maxInFlight;
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private Channel channel;
    private String connectionId;
    private InetAddress clientAddress;
    private boolean busy;
    private boolean waitingForWritable;
    private boolean counted;
    /** Set when this side closes the connection: queued requests are dropped. A client's close does not drop them. */
    private volatile boolean aborted;

    KafkaConnection(KafkaBroker broker, KafkaApis apis, Executor workers, int maxInFlight) {
        this.broker = broker;
        this.apis = apis;
        this.workers = workers;
        this.maxInFlight = maxInFlight;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        InetSocketAddress remote = (InetSocketAddress) channel.remoteAddress();
        InetSocketAddress local = (InetSocketAddress) channel.localAddress();
        clientAddress = remote.getAddress();
        connectionId = local.getAddress().getHostAddress() + ":" + local.getPort() + "-" + remote.getAddress().getHostAddress()
                + ":" + remote.getPort();
        if (!broker.connectionOpened()) {
            log.warn("Closing connection from {}: maxConnections ({}) reached", remote, broker.config().maxConnections());
            ctx.close();
            return;
        }
        counted = true;
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // Requests already received are still processed (an acks=0 producer may close right after sending);
        // their responses go nowhere.
        if (counted) {
            counted = false;
            broker.connectionClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuffer frame;
        try {
            ByteBuf buf = (ByteBuf) msg;
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            frame = ByteBuffer.wrap(bytes);
        } finally {
            ReferenceCountUtil.release(msg);
        }
        boolean start = false;
        synchronized (this) {
            if (aborted) {
                return;
            }
            queue.add(frame);
            if (queue.size() >= maxInFlight) {
                channel.config().setAutoRead(false);
            }
            if (!busy) {
                busy = true;
                start = true;
            }
        }
        if (start) {
            schedule();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean resume = false;
        synchronized (this) {
            if (waitingForWritable && channel.isWritable()) {
                waitingForWritable = false;
                resume = true;
            }
        }
        if (resume) {
            schedule();
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void schedule() {
        try {
            workers.execute(this::processNext);
        } catch (RejectedExecutionException e) {
            close("the broker is shutting down");
        }
    }

    private void processNext() {
        ByteBuffer frame;
        synchronized (this) {
            if (aborted) {
                busy = false;
                queue.clear();
                return;
            }
            if (channel.isActive() && !channel.isWritable()) {
                waitingForWritable = true;
                return;
            }
            frame = queue.poll();
            if (frame == null) {
                busy = false;
                return;
            }
            if (queue.size() < maxInFlight && !channel.config().isAutoRead()) {
                channel.config().setAutoRead(true);
            }
        }
        CompletableFuture<Void> done;
        try {
            done = handle(frame);
        } catch (RuntimeException | LinkageError e) {
            log.warn("Closing {}: request handling failed: {}", connectionId, e.toString(), e);
            close(null);
            return;
        }
        done.whenComplete((v, e) -> afterRequest());
    }

    /**
     * Moves on to the next queued request. With nothing queued (the usual case for a consumer, which has one fetch in
     * flight) the connection just goes idle here instead of waking a worker only to find the queue empty.
     */
    private void afterRequest() {
        synchronized (this) {
            if (queue.isEmpty() && !aborted && !waitingForWritable) {
                busy = false;
                return;
            }
        }
        schedule();
    }

    /** Parses, dispatches and answers one request; the future completes once the response is handed to Netty. */
    private CompletableFuture<Void> handle(ByteBuffer frame) {
        long started = System.nanoTime();
        int requestBytes = frame.remaining() + 4; // with its size prefix, as on the wire
        RequestHeader header;
        AbstractRequest request;
        RequestContext context;
        try {
            header = RequestHeader.parse(frame);
        } catch (RuntimeException e) {
            close("malformed request header (" + e + ")");
            return new CompletableFuture<>(); // never completes: the connection is closed
        }
        ApiKeys key = header.apiKey();
        if (key != ApiKeys.API_VERSIONS && !apis.supports(key, header.apiVersion())) {
            close("unsupported request " + key + " v" + header.apiVersion());
            return new CompletableFuture<>();
        }
        context = new RequestContext(header, connectionId, clientAddress, KafkaPrincipal.ANONYMOUS, LISTENER,
                SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
        try {
            request = context.parseRequest(frame).request;
        } catch (RuntimeException e) {
            close("malformed " + key + " v" + header.apiVersion() + " request (" + e + ")");
            return new CompletableFuture<>();
        }
        CompletableFuture<AbstractResponse> response;
        try {
            response = apis.handle(context, request);
        } catch (RuntimeException | LinkageError e) {
            // LinkageError: e.g. a compression codec missing from the classpath; answer with an error, keep serving.
            response = CompletableFuture.failedFuture(e);
        }
        return response.handle((r, e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof KafkaApis.CloseConnection cc) {
                    close(cc.getMessage());
                    return null;
                }
                log.warn("{} v{} from {} failed: {}", key, header.apiVersion(), connectionId, cause.toString(), cause);
                r = request.getErrorResponse(0, cause);
            }
            if (r != null) {
                Send out = context.buildResponseSend(r);
                measured(key, started, requestBytes, out.size(), r);
                send(out);
            } else {
                measured(key, started, requestBytes, 0, null); // acks=0: no response
            }
            return null;
        });
    }

    /** Tells the broker's metrics hook (if any) about an answered request; a failing hook never fails the request. */
    private void measured(ApiKeys key, long started, int requestBytes, long responseBytes, AbstractResponse r) {
        BrokerMetrics m = broker.config().metrics();
        if (m == null) {
            return;
        }
        try {
            m.requestCompleted(key.name, System.nanoTime() - started, requestBytes, responseBytes);
            if (r != null) {
                for (Map.Entry<Errors, Integer> e : r.errorCounts().entrySet()) {
                    if (e.getKey() != Errors.NONE && e.getValue() > 0) {
                        m.requestErrors(key.name, e.getKey().name(), e.getValue());
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("The broker's metrics hook failed: {}", e.toString(), e);
        }
    }

    private void send(Send send) {
        List<Object> parts;
        try {
            parts = ResponseWriter.toMessages(send);
        } catch (IOException | RuntimeException e) {
            log.warn("Closing {}: cannot serialize a response: {}", connectionId, e.toString(), e);
            close(null);
            return;
        }
        channel.eventLoop().execute(() -> {
            for (Object p : parts) {
                channel.write(p).addListener(f -> {
                    if (!f.isSuccess() && channel.isActive()) {
                        log.warn("Closing {}: write failed: {}", connectionId, f.cause().toString());
                        channel.close();
                    }
                });
            }
            channel.flush();
        });
    }

    private void close(String why) {
        if (why != null) {
            log.warn("Closing connection {}: {}", connectionId, why);
        }
        aborted = true;
        channel.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            log.warn("Closing connection {}: bad frame: {}", connectionId, cause.getMessage());
        } else if (cause instanceof IOException) {
            log.debug("Connection {} failed: {}", connectionId, cause.toString());
        } else {
            log.warn("Closing connection {}: {}", connectionId, cause.toString(), cause);
        }
        aborted = true;
        ctx.close();
    }
}
