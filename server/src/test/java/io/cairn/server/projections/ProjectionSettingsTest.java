package io.cairn.server.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import io.cairn.projections.ProjectionConfig;

class ProjectionSettingsTest {
    private static ProjectionSettings settings(int batch, String readSchema) {
        return new ProjectionSettings(true, true, batch, 20, 1, 3, ProjectionConfig.PoisonPolicy.CONTINUE,
                "cairn-projections-dead-letters", "cairn_projections", readSchema);
    }

    @Test
    void becomeTheRuntimesConfigWithTheManagedThreads() {
        ProjectionConfig c = settings(500, "bank").config(Executors.defaultThreadFactory());
        assertThat(c.batchSize()).isEqualTo(500);
        assertThat(c.readSchema()).isEqualTo("bank");
        assertThat(c.maxDelay().toMillis()).isEqualTo(20);
    }

    @Test
    void badValuesNameTheSettings() {
        assertThatThrownBy(() -> settings(0, "public").config(Executors.defaultThreadFactory()))
                .hasMessageContaining("cairn.projections").hasMessageContaining("batchSize");
        assertThatThrownBy(() -> settings(10, "Robert'); DROP TABLE x;--").config(Executors.defaultThreadFactory()))
                .hasMessageContaining("readSchema");
    }
}
