package io.cairn.server;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prints where to reach the server once the engine is open, so a quick start ends with links to click and the Kafka
 * listener's {@code bootstrap.servers}. The WAR is served at the root context ({@code WEB-INF/ibm-web-ext.xml}), so
 * the console is at {@code /} and the API at {@code /api} on every server.
 */
@ApplicationScoped
public class StartupBanner {
    private static final Logger log = LoggerFactory.getLogger(StartupBanner.class);

    void onEngineOpened(@Observes EngineOpened opened) {
        log.info(text(opened.settings().baseUrl(), opened.engine().topics().size(), opened.engine().dataDir().toString(),
                opened.kafka()));
    }

    static String text(String baseUrl, int topics, String dataDir, KafkaListenerHost.Status kafka) {
        return String.join(System.lineSeparator(),
                "Cairn is ready: " + topics + " topic(s) in " + dataDir,
                "  Console   " + baseUrl + "/",
                "  Kafka     " + kafkaLine(kafka),
                "  REST API  " + baseUrl + "/api/topics",
                "  Health    " + baseUrl + "/health  (" + baseUrl + "/health/live, " + baseUrl + "/health/ready)",
                "  Metrics   " + baseUrl + "/metrics",
                "  OpenAPI   " + baseUrl + "/openapi  (UI: " + baseUrl + "/openapi/ui)");
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
