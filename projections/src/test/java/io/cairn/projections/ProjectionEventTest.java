package io.cairn.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ProjectionEventTest {
    private static ProjectionEvent event(String value) {
        return new ProjectionEvent("t", 1, 7, 0, "k", Map.of("cairn-event-type", "MoneyDeposited"),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheTypeHeaderAndJsonFields() {
        ProjectionEvent e = event("{\"accountId\":\"a-1\",\"amount\":250,\"transferId\":null}");
        assertThat(e.type()).isEqualTo("MoneyDeposited");
        assertThat(e.text("accountId")).isEqualTo("a-1");
        assertThat(e.longValue("amount")).isEqualTo(250);
        assertThat(e.textOrNull("transferId")).isNull();
        assertThat(e.toString()).isEqualTo("MoneyDeposited@t-1:7");
    }

    @Test
    void missingOrWrongFieldsAndBadJsonFailWithTheEvent() {
        ProjectionEvent e = event("{\"amount\":\"lots\",\"ratio\":1.5}");
        assertThatThrownBy(() -> e.longValue("amount")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MoneyDeposited@t-1:7").hasMessageContaining("amount");
        assertThatThrownBy(() -> e.longValue("ratio")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> e.text("accountId")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> event("{not json").json()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not JSON");
        assertThat(event(null).json().isNull()).isTrue();
    }
}
