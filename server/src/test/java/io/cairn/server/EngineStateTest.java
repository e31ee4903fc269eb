package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EngineStateTest {
    @Test
    void startingMayOpenFailOrClose() {
        assertThat(EngineState.STARTING.canMoveTo(EngineState.OPEN)).isTrue();
        assertThat(EngineState.STARTING.canMoveTo(EngineState.FAILED)).isTrue();
        assertThat(EngineState.STARTING.canMoveTo(EngineState.CLOSED)).isTrue();
        assertThat(EngineState.STARTING.live()).isTrue();
        assertThat(EngineState.STARTING.ready()).isFalse();
    }

    @Test
    void openOnlyCloses() {
        assertThat(EngineState.OPEN.canMoveTo(EngineState.CLOSED)).isTrue();
        assertThat(EngineState.OPEN.canMoveTo(EngineState.FAILED)).isFalse();
        assertThat(EngineState.OPEN.canMoveTo(EngineState.STARTING)).isFalse();
        assertThat(EngineState.OPEN.live()).isTrue();
        assertThat(EngineState.OPEN.ready()).isTrue();
    }

    @Test
    void failedIsNeitherLiveNorReadyAndOnlyCloses() {
        assertThat(EngineState.FAILED.canMoveTo(EngineState.CLOSED)).isTrue();
        assertThat(EngineState.FAILED.canMoveTo(EngineState.OPEN)).isFalse();
        assertThat(EngineState.FAILED.live()).isFalse();
        assertThat(EngineState.FAILED.ready()).isFalse();
    }

    @Test
    void closedIsFinal() {
        for (EngineState s : EngineState.values()) {
            assertThat(EngineState.CLOSED.canMoveTo(s)).isFalse();
        }
        assertThat(EngineState.CLOSED.live()).isFalse();
    }
}
