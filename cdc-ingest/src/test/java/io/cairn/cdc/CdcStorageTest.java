package io.cairn.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;

/** CDC state in the log, without a database. */
class CdcStorageTest {
    @TempDir
    Path dir;

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anInterruptedCallerDoesNotCloseTheLogsFilesAndKeepsItsInterrupt() throws Exception {
        // Debezium interrupts its threads when an engine stops, sometimes in the middle of an offset commit.
        try (LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir).build())) {
            CdcStorage storage = new CdcStorage(engine, Thread::new);
            Thread.currentThread().interrupt();
            storage.putOffsets(Map.of(utf8("[\"e-1\",{\"server\":\"p\"}]"), utf8("{\"lsn\":1}")));
            assertThat(Thread.interrupted()).as("the caller's interrupt is kept").isTrue();
            storage.putOffsets(Map.of(utf8("[\"e-1\",{\"server\":\"p\"}]"), utf8("{\"lsn\":2}")));
            storage.close();

            CdcStorage reopened = new CdcStorage(engine, Thread::new);
            assertThat(reopened.offsets(List.of(utf8("[\"e-1\",{\"server\":\"p\"}]"))).values())
                    .containsExactly(utf8("{\"lsn\":2}"));
            reopened.forgetOffsets("e-1");
            reopened.close();
            CdcStorage again = new CdcStorage(engine, Thread::new);
            assertThat(again.offsets(List.of(utf8("[\"e-1\",{\"server\":\"p\"}]")))).isEmpty();
            again.close();
        }
    }

    @Test
    void definitionsSurviveAndADeletedOneIsGone() throws Exception {
        try (LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir).build())) {
            CdcStorage storage = new CdcStorage(engine, Thread::new);
            ConnectorDefinition a = new ConnectorDefinition("a", "1", false, Map.of("type", "postgres"));
            ConnectorDefinition b = new ConnectorDefinition("b", "2", true, Map.of("type", "mariadb"));
            storage.putDefinition("a", a.toJson());
            storage.putDefinition("b", b.toJson());
            storage.putDefinition("a", null);
            storage.close();
            CdcStorage reopened = new CdcStorage(engine, Thread::new);
            Map<String, byte[]> defs = reopened.definitions();
            reopened.close();
            assertThat(defs).containsOnlyKeys("b");
            assertThat(ConnectorDefinition.fromJson(defs.get("b"))).isEqualTo(b);
        }
    }
}
