package io.cairn.server.aggregates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.LogException;
import io.cairn.log.store.LogEventStore;
import io.cairn.server.ApiException;
import io.cairn.server.ProblemType;

/** The aggregate endpoints' logic against a real engine: JSON in and out, conflicts, bad input. */
class AggregateEventsTest {
    @TempDir
    Path dir;
    private LogEngine engine;
    private LogEventStore store;

    @BeforeEach
    void open() {
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        store = LogEventStore.of(engine);
        store.ensureTopic("account", 2, false);
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private JsonObject append(String id, String json) {
        return AggregateEvents.append(store, "account", id, AggregateJson.parseAppend(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static ProblemType problem(Runnable r) {
        try {
            r.run();
        } catch (ApiException e) {
            return e.type();
        }
        throw new AssertionError("no ApiException");
    }

    @Test
    void appendsAndLoadsEventsAsJson() {
        JsonObject first = append("acc-1", """
                {"expectedSequence":-1,"events":[{"type":"Opened","revision":2,"payload":{"owner":"ann"},
                 "metadata":{"correlationId":"c-1"}},{"type":"Deposited","payload":10}]}""");
        assertThat(first.getJsonNumber("lastSequence").longValue()).isEqualTo(1);
        assertThat(first.getJsonNumber("lastOffset").longValue() - first.getJsonNumber("firstOffset").longValue()).isEqualTo(1);
        append("acc-1", "{\"expectedSequence\":1,\"events\":[{\"type\":\"Withdrawn\",\"payload\":\"all\"}]}");

        JsonObject read = AggregateEvents.read(store, "account", "acc-1", null);
        assertThat(read.getJsonNumber("lastSequence").longValue()).isEqualTo(2);
        var events = read.getJsonArray("events");
        assertThat(events).hasSize(3);
        JsonObject e0 = events.getJsonObject(0);
        assertThat(e0.getInt("sequence")).isZero();
        assertThat(e0.getString("type")).isEqualTo("Opened");
        assertThat(e0.getInt("revision")).isEqualTo(2);
        assertThat(e0.getJsonObject("payload").getString("owner")).isEqualTo("ann");
        assertThat(e0.getJsonObject("metadata").getString("correlationId")).isEqualTo("c-1");
        assertThat(events.getJsonObject(1).getInt("payload")).isEqualTo(10);
        assertThat(events.getJsonObject(2).getString("payload")).isEqualTo("all");
        assertThat(AggregateEvents.read(store, "account", "acc-1", "2").getJsonArray("events")).hasSize(1);
        JsonObject none = AggregateEvents.read(store, "account", "nobody", "0");
        assertThat(none.getJsonArray("events")).isEmpty();
        assertThat(none.getJsonNumber("lastSequence").longValue()).isEqualTo(-1);
    }

    @Test
    void aConflictIsA409ProblemWithTheSequences() {
        append("acc-2", "{\"expectedSequence\":-1,\"events\":[{\"type\":\"Opened\",\"payload\":{}}]}");
        assertThatThrownBy(() -> append("acc-2", "{\"expectedSequence\":-1,\"events\":[{\"type\":\"Opened\",\"payload\":{}}]}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.type()).isEqualTo(ProblemType.CONCURRENCY_CONFLICT);
                    assertThat(e.type().status()).isEqualTo(409);
                    assertThat(e.getMessage()).startsWith("concurrency conflict");
                    assertThat(e.extensions()).containsEntry("expectedSequence", -1L).containsEntry("actualSequence", 0L);
                });
        assertThat(AggregateEvents.read(store, "account", "acc-2", null).getJsonArray("events")).hasSize(1);
    }

    @Test
    void badInputIsA400AndAppendsNothing() {
        String ok = "{\"type\":\"E\",\"payload\":1}";
        assertThat(problem(() -> append("a", ""))).isEqualTo(ProblemType.MALFORMED_JSON);
        assertThat(problem(() -> append("a", "{\"expectedSequence\":-1,"))).isEqualTo(ProblemType.MALFORMED_JSON);
        assertThat(problem(() -> append("a", "[]"))).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> append("a", "{\"events\":[" + ok + "]}"))).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> append("a", "{\"expectedSequence\":-3,\"events\":[" + ok + "]}"))).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> append("a", "{\"expectedSequence\":-1,\"events\":[]}"))).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> append("a", "{\"expectedSequence\":-1,\"events\":[" + ok + "],\"x\":1}"))).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> append("a", "{\"expectedSequence\":-1,\"events\":[{\"payload\":1}]}"))).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> append("a", "{\"expectedSequence\":-1,\"events\":[{\"type\":\"E\"}]}"))).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> append("a", "{\"expectedSequence\":-1,\"events\":[{\"type\":\"E\",\"payload\":1,\"revision\":-1}]}")))
                .isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> append("a", "{\"expectedSequence\":-1,\"events\":[{\"type\":\"E\",\"payload\":1,\"metadata\":{\"k\":1}}]}")))
                .isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> append(" ", "{\"expectedSequence\":-1,\"events\":[" + ok + "]}"))).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> AggregateEvents.read(store, "account", "a", "x"))).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> AggregateEvents.read(store, "account", "a", "-1"))).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThatThrownBy(() -> AggregateEvents.append(store, "nope", "a",
                AggregateJson.parseAppend(("{\"expectedSequence\":-1,\"events\":[" + ok + "]}").getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(LogException.UnknownTopicException.class);
        assertThat(store.endOffset("account", 0) + store.endOffset("account", 1)).isZero();
    }

    @Test
    void loadsOnlyTheLastEventAndPayloadsAsExactBytesOnRequest() {
        append("acc-3", "{\"expectedSequence\":-1,\"events\":[{\"type\":\"Opened\",\"payload\":{\"a\": 1.50}},"
                + "{\"type\":\"Deposited\",\"payload\":7}]}");
        JsonObject last = AggregateEvents.read(store, "account", "acc-3", null, "true", null);
        assertThat(last.getJsonNumber("lastSequence").longValue()).isEqualTo(1);
        assertThat(last.getJsonArray("events")).hasSize(1);
        assertThat(last.getJsonArray("events").getJsonObject(0).getString("type")).isEqualTo("Deposited");
        JsonObject none = AggregateEvents.read(store, "account", "nobody", null, "true", null);
        assertThat(none.getJsonArray("events")).isEmpty();
        assertThat(none.getJsonNumber("lastSequence").longValue()).isEqualTo(-1);

        JsonObject raw = AggregateEvents.read(store, "account", "acc-3", "0", "false", "base64");
        JsonObject e0 = raw.getJsonArray("events").getJsonObject(0);
        assertThat(e0.containsKey("payload")).isFalse();
        assertThat(new String(java.util.Base64.getDecoder().decode(e0.getString("payloadBase64")), StandardCharsets.UTF_8))
                .isEqualTo("{\"a\":1.50}");
        assertThat(e0.containsKey("aggregateType")).isFalse(); // the topic's own name is not repeated

        assertThat(problem(() -> AggregateEvents.read(store, "account", "a", null, "yes", null))).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> AggregateEvents.read(store, "account", "a", null, null, "hex"))).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(problem(() -> AggregateEvents.read(store, "account", " ", null, "true", null))).isEqualTo(ProblemType.INVALID_REQUEST);
    }
}
