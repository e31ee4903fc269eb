package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.cairn.log.TopicConfig;

class SettingsTest {
    private static Settings settings(Optional<Long> flushMessages) {
        return new Settings(Path.of("data"), 1, flushMessages, 1 << 20, 1000, "localhost", 9080,
                new Settings.KafkaListener(false, "localhost", 9092));
    }

    @Test
    void flushMessagesBecomesTheDefaultOfNewTopics() {
        assertThat(settings(Optional.of(100L)).engineConfig().defaultTopicConfig())
                .containsEntry(TopicConfig.FLUSH_MESSAGES, "100");
        assertThat(settings(Optional.empty()).engineConfig().defaultTopicConfig()).isEmpty();
        assertThat(settings(Optional.empty()).engineConfig().dataDir()).isAbsolute();
    }

    @Test
    void refusesValuesThatCannotWork() {
        assertThatThrownBy(() -> settings(Optional.of(0L))).hasMessageContaining("cairn.flush.messages");
        assertThatThrownBy(() -> new Settings(Path.of("d"), 0, Optional.empty(), 1 << 20, 1, "h", 1,
                new Settings.KafkaListener(false, "h", 1))).hasMessageContaining("cairn.default.partitions");
        assertThatThrownBy(() -> new Settings(Path.of("d"), 1, Optional.empty(), 10, 1, "h", 1,
                new Settings.KafkaListener(false, "h", 1))).hasMessageContaining("cairn.request.max.bytes");
    }

    @Test
    void theBannerNamesEveryUrl() {
        String text = StartupBanner.text("http://localhost:9080", 2, "/data");
        assertThat(text).contains("http://localhost:9080/api/topics", "http://localhost:9080/health/ready",
                "http://localhost:9080/metrics", "http://localhost:9080/openapi", "2 topic(s) in /data");
    }
}
