package io.cairn.server;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prints where to reach the server once the engine is open, so a quick start ends with links to click. The WAR is
 * served at the root context ({@code WEB-INF/ibm-web-ext.xml}), so the API is at {@code /api} on every server.
 */
@ApplicationScoped
public class StartupBanner {
    private static final Logger log = LoggerFactory.getLogger(StartupBanner.class);

    void onEngineOpened(@Observes EngineOpened opened) {
        log.info(text(opened.settings().baseUrl(), opened.engine().topics().size(), opened.engine().dataDir().toString()));
    }

    static String text(String baseUrl, int topics, String dataDir) {
        return String.join(System.lineSeparator(),
                "Cairn is ready: " + topics + " topic(s) in " + dataDir,
                "  REST API  " + baseUrl + "/api/topics",
                "  Health    " + baseUrl + "/health  (" + baseUrl + "/health/live, " + baseUrl + "/health/ready)",
                "  Metrics   " + baseUrl + "/metrics",
                "  OpenAPI   " + baseUrl + "/openapi  (UI: " + baseUrl + "/openapi/ui)");
    }
}
