package io.cairn.log.kafka;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;

/**
 * Runs a Cairn broker from the command line: opens a {@link LogEngine} on a data directory and serves it over the
 * Kafka protocol until the process is stopped.
 *
 * <pre>
 *   java io.cairn.log.kafka.CairnBroker [--data-dir ./data] [--host 127.0.0.1] [--port 9092]
 *        [--advertised-host NAME] [--auto-create-topics true|false] [--partitions N]
 * </pre>
 */
public final class CairnBroker {
    private CairnBroker() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path dataDir = Path.of("data");
        KafkaBrokerConfig.Builder b = KafkaBrokerConfig.builder();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println("usage: CairnBroker [--data-dir DIR] [--host HOST] [--port PORT] [--advertised-host NAME]"
                        + " [--auto-create-topics true|false] [--partitions N] [--max-frame-bytes N] [--max-connections N]");
                return;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Missing value after " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--data-dir" -> dataDir = Path.of(v);
                case "--host" -> b.host(v);
                case "--port" -> b.port(Integer.parseInt(v));
                case "--advertised-host" -> b.advertisedHost(v);
                case "--auto-create-topics" -> b.autoCreateTopics(Boolean.parseBoolean(v));
                case "--partitions" -> b.defaultPartitions(Integer.parseInt(v));
                case "--max-frame-bytes" -> b.maxFrameBytes(Integer.parseInt(v));
                case "--max-connections" -> b.maxConnections(Integer.parseInt(v));
                default -> throw new IllegalArgumentException("Unknown option " + a);
            }
        }
        LogEngine engine = LogEngine.open(LogEngineConfig.builder(dataDir).build());
        KafkaBroker broker = new KafkaBroker(engine, b.build());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            engine.close();
            stopped.countDown();
        }, "cairn-shutdown"));
        try {
            broker.start();
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        System.out.println("Cairn broker serving " + dataDir.toAbsolutePath() + " on " + broker.bootstrapServers());
        stopped.await();
    }
}
