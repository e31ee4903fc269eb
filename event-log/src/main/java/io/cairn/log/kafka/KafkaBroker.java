package io.cairn.log.kafka;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.log.LogEngine;
import io.cairn.log.LogException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link LogEngine} over the Kafka wire protocol, so that stock Kafka clients (producer, consumer with
 * groups, AdminClient) work against it. One node: it is the controller, the group coordinator and the leader of every
 * partition. Start with {@link #start()}; {@link #close()} stops serving (the engine stays open: its owner closes it).
 *
 * <p>All use of kafka-clients' internal classes (requests, messages, records) stays in this package.
 */
public final class KafkaBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);

    private final LogEngine engine;
    private final KafkaBrokerConfig config;
    private final AtomicInteger connections = new AtomicInteger();
    private EventLoopGroup bossGroup;
    private EventLoopGroup ioGroup;
    private ThreadPoolExecutor workers;
    private ScheduledThreadPoolExecutor timer;
    private volatile KafkaApis apis;
    private Channel serverChannel;
    private volatile int boundPort = -1;
    private volatile boolean closed;

    public KafkaBroker(LogEngine engine, KafkaBrokerConfig config) {
        this.engine = engine;
        this.config = config;
    }

    /** Binds the port and starts serving; loads committed group offsets and producer ids first. */
    public synchronized KafkaBroker start() {
        if (serverChannel != null || closed) {
            throw new IllegalStateException("The broker was already started");
        }
        workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), named("cairn-kafka-worker"));
        timer = new ScheduledThreadPoolExecutor(1, named("cairn-kafka-timer"));
        timer.setRemoveOnCancelPolicy(true);
        apis = new KafkaApis(engine, config, this, workers, timer);
        bossGroup = new MultiThreadIoEventLoopGroup(1, named("cairn-kafka-accept"), NioIoHandler.newFactory());
        ioGroup = new MultiThreadIoEventLoopGroup(config.ioThreads(), named("cairn-kafka-io"), NioIoHandler.newFactory());
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(bossGroup, ioGroup)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 512)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast("frames", new LengthFieldBasedFrameDecoder(config.maxFrameBytes(), 0, 4, 0, 4, true));
                            ch.pipeline().addLast("kafka", new KafkaConnection(KafkaBroker.this, apis, workers,
                                    config.maxInFlightRequests()));
                        }
                    });
            serverChannel = b.bind(config.host(), config.port()).sync().channel();
            boundPort = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new LogException("Interrupted while binding " + config.host() + ":" + config.port());
        } catch (Exception e) { // Netty rethrows the bind's checked exceptions (BindException) undeclared
            close();
            throw new LogException("Cannot listen on " + config.host() + ":" + config.port() + ": " + e, e);
        }
        log.info("Kafka listener on {}:{} (advertised as {}:{}), node id {}", config.host(), boundPort,
                config.advertised(), boundPort, config.nodeId());
        return this;
    }

    /** The port actually bound (useful with port 0); -1 before {@link #start()}. */
    public int port() {
        return boundPort;
    }

    /** {@code host:port} for a client's {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return config.advertised() + ":" + boundPort;
    }

    public KafkaBrokerConfig config() {
        return config;
    }

    public LogEngine engine() {
        return engine;
    }

    boolean connectionOpened() {
        if (connections.incrementAndGet() > config.maxConnections()) {
            connections.decrementAndGet();
            return false;
        }
        return true;
    }

    void connectionClosed() {
        connections.decrementAndGet();
    }

    /**
     * The consumer groups the coordinator knows (with members, or with committed offsets), each with its committed
     * offsets: a snapshot, cheap enough to poll (it copies in-memory state). Empty before {@link #start()}.
     */
    public List<ConsumerGroupInfo> consumerGroups() {
        KafkaApis a = apis;
        return a == null ? List.of() : a.consumerGroups();
    }

    /** Open client connections. */
    public int connectionCount() {
        return connections.get();
    }

    /** Threads of one role, from the configured factory (named by the broker) or plain daemon threads. */
    private ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = config.threadFactory();
        return r -> {
            Thread t;
            if (factory == null) {
                t = new Thread(r);
                t.setDaemon(true);
            } else {
                t = factory.newThread(r);
                if (t == null) {
                    throw new IllegalStateException("The thread factory made no thread for " + name
                            + " (is the application stopping?)");
                }
            }
            t.setName(name + "-" + n.incrementAndGet());
            return t;
        };
    }

    /** Stops accepting, closes every connection, and stops the group coordinator; leaves the engine open. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (ioGroup != null) {
            ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (apis != null) {
            apis.close();
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        if (workers != null) {
            workers.shutdown();
            try {
                if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                    workers.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        log.info("Kafka listener on port {} closed", boundPort);
    }
}
