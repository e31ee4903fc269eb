package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.cairn.server.db.PlatformDatabase;

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

    private static final PlatformDatabase.Status LOCAL_DB = new PlatformDatabase.Status(PlatformDatabase.State.READY,
            PlatformDatabase.Source.LOCAL, "jdbc:postgresql://127.0.0.1:5432/cairn", "local PostgreSQL service at 127.0.0.1:5432");

    @Test
    void theBannerNamesEveryUrlTheKafkaListenerAndTheDatabase() {
        String text = StartupBanner.text("http://localhost:9080", 2, "/data",
                new KafkaListenerHost.Status(KafkaListenerHost.State.LISTENING, "localhost:9092", 0, null), LOCAL_DB);
        assertThat(text).contains("http://localhost:9080/api/topics", "http://localhost:9080/health/ready",
                "http://localhost:9080/metrics", "http://localhost:9080/openapi", "2 topic(s) in /data",
                "Console   http://localhost:9080/", "Kafka     localhost:9092  (bootstrap.servers)",
                "Database  jdbc:postgresql://127.0.0.1:5432/cairn  (local PostgreSQL service at 127.0.0.1:5432)");
        assertThat(StartupBanner.text("u", 0, "d", new KafkaListenerHost.Status(KafkaListenerHost.State.DISABLED,
                "localhost:9092", 0, null), new PlatformDatabase.Status(PlatformDatabase.State.FAILED, null, "",
                "initdb failed"))).contains("Database  NOT available: initdb failed");
        assertThat(StartupBanner.text("u", 0, "d", new KafkaListenerHost.Status(KafkaListenerHost.State.FAILED,
                "localhost:9092", 0, "Address already in use"), LOCAL_DB)).contains("NOT listening on localhost:9092: Address already in use");
        assertThat(StartupBanner.text("u", 0, "d", new KafkaListenerHost.Status(KafkaListenerHost.State.DISABLED,
                "localhost:9092", 0, null), LOCAL_DB)).contains("Kafka     off (cairn.kafka.enabled=false)");
    }

    @Test
    void theKafkaListenerAdvertisesItsHostOrLocalhostForEveryInterface() {
        assertThat(new Settings.KafkaListener(true, "localhost", 9092).advertisedHost()).isEqualTo("localhost");
        Settings.KafkaListener everywhere = new Settings.KafkaListener(true, "*", 9092);
        assertThat(everywhere.bindHost()).isEqualTo("0.0.0.0");
        assertThat(everywhere.advertisedHost()).isEqualTo("localhost");
        assertThat(new Settings.KafkaListener(true, "*", 9092, "cairn.example.com").advertisedHost()).isEqualTo("cairn.example.com");
        assertThatThrownBy(() -> new Settings.KafkaListener(true, "localhost", 70000)).hasMessageContaining("cairn.kafka.port");
    }
}
