package io.cairn.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The event store's REST API on the real WAR and Liberty: conditional appends (201, 409 on a conflict, 400 with
 * nothing appended) and loading an aggregate. Topic names are unique per run (the test server keeps its data).
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AggregatesApiIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.cairnWar();
    }

    @BeforeEach
    void ready() {
        Http.awaitReady(Duration.ofSeconds(60));
    }

    private static void assertProblem(Http.Reply r, int status, String typeSuffix) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.object().getString("type")).endsWith(typeSuffix);
    }

    @Test
    void appendConflictAndLoad() {
        String topic = "accounts-" + UUID.randomUUID().toString().substring(0, 8);
        Http.Reply created = Http.postJson("/api/topics", "{\"name\":\"" + topic + "\",\"partitions\":2}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String events = "/api/aggregates/" + topic + "/acc-1/events";

        Http.Reply first = Http.postJson(events, """
                {"expectedSequence":-1,"events":[{"type":"AccountOpened","revision":1,"payload":{"owner":"ann"},
                 "metadata":{"correlationId":"c-1"}},{"type":"MoneyDeposited","payload":{"amount":10}}]}""");
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        assertThat(first.object().getJsonNumber("lastSequence").longValue()).isEqualTo(1);

        Http.Reply conflict = Http.postJson(events, "{\"expectedSequence\":0,\"events\":[{\"type\":\"MoneyDeposited\",\"payload\":{}}]}");
        assertProblem(conflict, 409, "/concurrency-conflict");
        assertThat(conflict.object().getString("detail")).startsWith("concurrency conflict");
        assertThat(conflict.object().getJsonNumber("actualSequence").longValue()).isEqualTo(1);

        assertProblem(Http.postJson(events, "{\"expectedSequence\":1,\"events\":[]}"), 400, "/invalid-request");
        assertProblem(Http.postJson(events, "{\"expectedSequence\":1,"), 400, "/malformed-json");
        assertProblem(Http.postJson("/api/aggregates/no-such-topic-" + UUID.randomUUID() + "/a/events",
                "{\"expectedSequence\":-1,\"events\":[{\"type\":\"E\",\"payload\":1}]}"), 404, "/unknown-topic");

        Http.Reply second = Http.postJson(events, "{\"expectedSequence\":1,\"events\":[{\"type\":\"MoneyWithdrawn\",\"payload\":{\"amount\":3}}]}");
        assertThat(second.status()).as(second.toString()).isEqualTo(201);

        Http.Reply loaded = Http.get(events);
        assertThat(loaded.status()).as(loaded.toString()).isEqualTo(200);
        JsonObject body = loaded.object();
        assertThat(body.getJsonNumber("lastSequence").longValue()).isEqualTo(2);
        JsonArray list = body.getJsonArray("events");
        assertThat(list).hasSize(3);
        assertThat(list.getJsonObject(0).getString("type")).isEqualTo("AccountOpened");
        assertThat(list.getJsonObject(0).getJsonObject("payload").getString("owner")).isEqualTo("ann");
        assertThat(list.getJsonObject(0).getJsonObject("metadata").getString("correlationId")).isEqualTo("c-1");
        assertThat(list.getJsonObject(2).getJsonObject("payload").getInt("amount")).isEqualTo(3);
        assertThat(Http.get(events + "?fromSequence=2").object().getJsonArray("events")).hasSize(1);
        assertProblem(Http.get(events + "?fromSequence=x"), 400, "/invalid-request");
    }
}
