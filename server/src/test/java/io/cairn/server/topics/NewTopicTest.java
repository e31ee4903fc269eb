package io.cairn.server.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cairn.server.ApiException;

class NewTopicTest {
    private static NewTopic parse(String json) {
        return NewTopic.parse(json.getBytes(StandardCharsets.UTF_8), 4);
    }

    @Test
    void readsNamePartitionsAndConfigs() {
        assertThat(parse("{\"name\":\"orders\",\"partitions\":3,\"configs\":{\"retention.ms\":1000,\"cleanup.policy\":\"compact\"}}"))
                .isEqualTo(new NewTopic("orders", 3, Map.of("retention.ms", "1000", "cleanup.policy", "compact")));
    }

    @Test
    void partitionsDefaultToTheServersSetting() {
        assertThat(parse("{\"name\":\"orders\"}")).isEqualTo(new NewTopic("orders", 4, Map.of()));
    }

    @Test
    void refusesMissingOrWronglyTypedFields() {
        assertThatThrownBy(() -> parse("{\"partitions\":3}")).isInstanceOf(ApiException.class).hasMessageContaining("name is required");
        assertThatThrownBy(() -> parse("{\"name\":\"t\",\"partitions\":0}")).hasMessageContaining("between 1 and");
        assertThatThrownBy(() -> parse("{\"name\":\"t\",\"partitions\":\"3\"}")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> parse("{\"name\":\"t\",\"configs\":{\"a\":{}}}")).hasMessageContaining("topic.configs.a");
        assertThatThrownBy(() -> parse("{\"name\":\"t\",\"partition\":3}")).hasMessageContaining("unknown field 'partition'");
        assertThatThrownBy(() -> parse("[\"t\"]")).hasMessageContaining("must be a JSON object");
    }
}
