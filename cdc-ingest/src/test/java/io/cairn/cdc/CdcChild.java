package io.cairn.cdc;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;

/**
 * A CDC server in a JVM of its own, for {@link CrashRestartTest}: opens the log in {@code args[0]}, starts the service
 * with one PostgreSQL connector (database {@code args[1]}, name {@code args[2]}, table {@code args[3]}) and prints
 * {@code STATUS <state> <records in the topic> <duplicates skipped>} every 100 ms until it is killed. SIGTERM closes
 * cleanly (shutdown hook); SIGKILL is the crash under test.
 */
public final class CdcChild {
    public static void main(String[] args) throws Exception {
        LogEngine engine = LogEngine.open(LogEngineConfig.builder(Path.of(args[0])).build());
        CdcService cdc = new CdcService(engine, Thread::new);
        Map<String, String> config = new HashMap<>(TestDatabases.pgConnector(args[1], args[2], args[3]));
        // Offsets flushed rarely: a crash then always finds changes in the log that Debezium delivers again.
        config.put("offset.flush.interval.ms", "600000");
        cdc.start(Map.of(args[2], config));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cdc.close();
            engine.close();
        }));
        String topic = args[2] + "." + args[3];
        while (true) {
            ConnectorStatus s = cdc.status(args[2]);
            long end = engine.topic(topic).map(t -> t.partition(0).logEndOffset()).orElse(0L);
            System.out.println("STATUS " + s.state() + " " + end + " " + s.duplicatesSkipped()
                    + (s.error() == null ? "" : " " + s.error()));
            System.out.flush();
            Thread.sleep(100);
        }
    }
}
