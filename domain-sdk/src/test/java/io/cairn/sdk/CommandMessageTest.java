package io.cairn.sdk;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandMessageTest {

    @Test
    void idsAreVersion4UuidsAndDistinct() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = CommandMessage.of("cmd").commandId();
            UUID uuid = UUID.fromString(id);
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            ids.add(id);
        }
        assertThat(ids).hasSize(10_000);
    }

    @Test
    void metadataIsCopiedAndExtendedWithoutChangingTheOriginal() {
        CommandMessage<String> m = CommandMessage.of("cmd");
        CommandMessage<String> withCorrelation = m.withMetadata("correlationId", "c-1");
        assertThat(m.metadata()).isEmpty();
        assertThat(withCorrelation.correlationId()).isEqualTo("c-1");
        assertThat(withCorrelation.commandId()).isEqualTo(m.commandId());
        assertThatThrownBy(() -> CommandMessage.of(null)).hasMessageContaining("must not be null");
    }
}
