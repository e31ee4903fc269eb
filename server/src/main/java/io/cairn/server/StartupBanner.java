package io.cairn.server;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Prints where to reach the server once the engine is open, so a quick start ends with links to click. */
@ApplicationScoped
public class StartupBanner {
    private static final Logger log = LoggerFactory.getLogger(StartupBanner.class);

    void onEngineOpened(@Observes EngineOpened opened) {
        log.info(text(opened.settings().baseUrl(), opened.contextPath(), opened.engine().topics().size(),
                opened.engine().dataDir().toString()));
    }

    static String text(String baseUrl, String contextPath, int topics, String dataDir) {
        String app = baseUrl + (contextPath == null ? "" : contextPath);
        return String.join(System.lineSeparator(),
                "Cairn is ready: " + topics + " topic(s) in " + dataDir,
                "  REST API  " + app + "/api/topics",
                "  Health    " + baseUrl + "/health  (" + baseUrl + "/health/live, " + baseUrl + "/health/ready)",
                "  Metrics   " + baseUrl + "/metrics",
                "  OpenAPI   " + baseUrl + "/openapi  (UI: " + baseUrl + "/openapi/ui)");
    }
}
