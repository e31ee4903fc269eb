package io.cairn.sdk.serialization;

import io.cairn.log.store.EventData;
import io.cairn.log.store.StoredEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventSerializerTest {

    @EventType("PriceSet")
    @Revision(2)
    record PriceSetV2(String item, long cents, String currency) { }

    record Plain(String a) { }

    @EventType("PriceSet")
    record Clash(String x) { }

    private final EventSerializer serializer = new EventSerializer().register(PriceSetV2.class);

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void namesAndRevisions() {
        EventData data = serializer.serialize(new PriceSetV2("tea", 250, "EUR"), Map.of("k", "v"));
        assertThat(data.eventType()).isEqualTo("PriceSet");
        assertThat(data.revision()).isEqualTo(2);
        assertThat(new String(data.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"item\":\"tea\",\"cents\":250,\"currency\":\"EUR\"}");
        assertThat(serializer.typeName(Plain.class)).isEqualTo("Plain");
        assertThat(serializer.revision(Plain.class)).isZero();
        assertThat(serializer.deserialize("PriceSet", 2, data.payload())).isEqualTo(new PriceSetV2("tea", 250, "EUR"));
    }

    @Test
    void upcastersChainOnReadFromAnyOldRevision() {
        // revision 0: {"item","price"} with price a decimal string; 1: cents as a number; 2: adds currency
        serializer.register(Upcaster.of("PriceSet", 0, node -> {
            node.put("cents", Math.round(Double.parseDouble(node.remove("price").asText()) * 100));
            return node;
        }));
        serializer.register(Upcaster.of("PriceSet", 1, node -> node.put("currency", "EUR")));
        assertThat(serializer.deserialize("PriceSet", 0, json("{\"item\":\"tea\",\"price\":\"2.50\"}")))
                .isEqualTo(new PriceSetV2("tea", 250, "EUR"));
        assertThat(serializer.deserialize("PriceSet", 1, json("{\"item\":\"tea\",\"cents\":99}")))
                .isEqualTo(new PriceSetV2("tea", 99, "EUR"));
    }

    @Test
    void missingUpcasterOrUnknownTypeIsAClearError() {
        assertThatThrownBy(() -> serializer.deserialize("PriceSet", 1, json("{\"item\":\"tea\"}")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("stored at revision 1").hasMessageContaining("is at revision 2");
        assertThatThrownBy(() -> serializer.deserialize("Nope", 0, json("{}")))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown event type 'Nope'");
        serializer.register(Upcaster.of("PriceSet", 0, n -> n));
        assertThatThrownBy(() -> serializer.deserialize("PriceSet", 0, json("[1]")))
                .isInstanceOf(SerializationException.class).hasMessageContaining("not a JSON object");
    }

    private static StoredEvent stored(long sequence, String type, int revision, String json) {
        return new StoredEvent("t", "a", sequence, type, revision, json(json), Map.of(), 0, 0, sequence);
    }

    @Test
    void deserializeAllReadsManyEventsLikeOneByOne() {
        serializer.register(Plain.class);
        serializer.register(Upcaster.of("PriceSet", 1, node -> node.put("currency", "EUR")));
        List<StoredEvent> events = List.of(
                stored(0, "Plain", 0, "{\"a\":\"x\"}"),
                stored(1, "PriceSet", 1, "{\"item\":\"tea\",\"cents\":5}"),
                stored(2, "PriceSet", 2, " {\"item\":\"tea\",\"cents\":6,\"currency\":\"USD\"} "),
                stored(3, "Plain", 0, "{\"a\":\"y\",\"ignored\":[1,{\"b\":2}]}"));
        assertThat(serializer.deserializeAll(events)).containsExactly(new Plain("x"), new PriceSetV2("tea", 5, "EUR"),
                new PriceSetV2("tea", 6, "USD"), new Plain("y"));
    }

    @Test
    void toMessagesKeepsPositionsAndMetadata() {
        serializer.register(Plain.class);
        StoredEvent a = new StoredEvent("T", "agg", 4, "Plain", 0, json("{\"a\":\"x\"}"), Map.of("correlationId", "c"), 9, 2, 77);
        List<io.cairn.sdk.EventMessage<Object>> messages = serializer.toMessages("topic", List.of(a));
        assertThat(messages).singleElement().satisfies(m -> {
            assertThat(m.payload()).isEqualTo(new Plain("x"));
            assertThat(m.topic()).isEqualTo("topic");
            assertThat(m.sequence()).isEqualTo(4);
            assertThat(m.partition()).isEqualTo(2);
            assertThat(m.offset()).isEqualTo(77);
            assertThat(m.correlationId()).isEqualTo("c");
        });
        assertThat(messages.get(0)).isEqualTo(serializer.toMessage("topic", a));
    }

    @Test
    void deserializeAllReadsLongStreamsInChunksInOrder() {
        serializer.register(Plain.class);
        List<StoredEvent> events = new java.util.ArrayList<>();
        List<Plain> expected = new java.util.ArrayList<>();
        for (int i = 0; i < 20_000; i++) { // ~240 KB of payloads: several chunks
            events.add(stored(i, "Plain", 0, "{\"a\":\"" + i + "\"}"));
            expected.add(new Plain(Integer.toString(i)));
        }
        events.set(12_345, stored(12_345, "Plain", 0, "{\"a\":\"x\"} {\"a\":\"y\"}")); // one chunk falls back
        expected.set(12_345, new Plain("x"));
        assertThat(serializer.deserializeAll(events)).containsExactlyElementsOf(expected);
    }

    @Test
    void deserializeAllNeverShiftsEventsOntoTheWrongBytes() {
        serializer.register(Plain.class);
        // an empty payload and a payload holding two values must not make the next event read another's JSON
        assertThatThrownBy(() -> serializer.deserializeAll(List.of(stored(0, "Plain", 0, ""), stored(1, "Plain", 0, "{\"a\":\"z\"}"))))
                .isInstanceOf(SerializationException.class);
        assertThat(serializer.deserializeAll(List.of(stored(0, "Plain", 0, "{\"a\":\"p\"}{\"a\":\"q\"}"),
                stored(1, "Plain", 0, "{\"a\":\"r\"}")))).containsExactly(new Plain("p"), new Plain("r"));
    }

    @Test
    void twoClassesCannotShareAName() {
        assertThatThrownBy(() -> serializer.register(Clash.class)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'PriceSet' is used by both");
        assertThatThrownBy(() -> serializer.serialize(new Clash("x"), Map.of())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'PriceSet' is used by both");
    }

    @Test
    void renamingUpcasterMovesToTheNewName() {
        serializer.register(Plain.class);
        serializer.register(new Upcaster() {
            @Override public String eventType() { return "OldPlain"; }
            @Override public int fromRevision() { return 0; }
            @Override public com.fasterxml.jackson.databind.node.ObjectNode upcast(com.fasterxml.jackson.databind.node.ObjectNode p) {
                return p;
            }
            @Override public String toEventType() { return "Plain"; }
        });
        // OldPlain rev 0 -> Plain rev 1, but Plain is at revision 0: must be refused, not silently accepted
        assertThatThrownBy(() -> serializer.deserialize("OldPlain", 0, json("{\"a\":\"x\"}")))
                .hasMessageContaining("upcast to 1");
    }
}
