package io.cairn.server;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.server.db.PlatformDatabase;

/**
 * Prints where to reach the server once the engine is open, so a quick start ends with links to click and the Kafka
 * listener's {@code bootstrap.servers}. The WAR is served at the root context ({@code WEB-INF/ibm-web-ext.xml}), so
 * the console is at {@code /} and the API at {@code /api} on every server. It waits for both the engine and the
 * platform database (chosen in parallel, see {@link PlatformDatabase}), so that it can say which database was chosen.
 */
@ApplicationScoped
public class StartupBanner {
    private static final Logger log = LoggerFactory.getLogger(StartupBanner.class);

    private EngineOpened engine;
    private PlatformDatabase.Status database;

    synchronized void onEngineOpened(@Observes EngineOpened opened) {
        engine = opened;
        printWhenBothKnown();
    }

    synchronized void onDatabaseChosen(@Observes PlatformDatabase.Status chosen) {
        database = chosen;
        printWhenBothKnown();
    }

    private void printWhenBothKnown() {
        if (engine != null && database != null) {
            log.info(text(engine.settings().baseUrl(), engine.engine().topics().size(), engine.engine().dataDir().toString(),
                    engine.kafka(), database));
            engine = null; // once
        }
    }

    static String text(String baseUrl, int topics, String dataDir, KafkaListenerHost.Status kafka,
                       PlatformDatabase.Status database) {
        return String.join(System.lineSeparator(),
                "Cairn is ready: " + topics + " topic(s) in " + dataDir,
                "  Console   " + baseUrl + "/",
                "  Kafka     " + kafkaLine(kafka),
                "  Database  " + databaseLine(database),
                "  REST API  " + baseUrl + "/api/topics",
                "  Health    " + baseUrl + "/health  (" + baseUrl + "/health/live, " + baseUrl + "/health/ready)",
                "  Metrics   " + baseUrl + "/metrics",
                "  OpenAPI   " + baseUrl + "/openapi  (UI: " + baseUrl + "/openapi/ui)");
    }

    private static String databaseLine(PlatformDatabase.Status db) {
        return db.state() == PlatformDatabase.State.READY ? db.url() + "  (" + db.detail() + ")"
                : "NOT available: " + db.detail();
    }

    private static String kafkaLine(KafkaListenerHost.Status kafka) {
        return switch (kafka.state()) {
            case LISTENING -> kafka.address() + "  (bootstrap.servers)";
            case DISABLED -> "off (cairn.kafka.enabled=false)";
            case FAILED -> "NOT listening on " + kafka.address() + ": " + kafka.failure();
            default -> "not listening (" + kafka.state() + ")";
        };
    }
}
