package io.cairn.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import jakarta.json.JsonObject;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bank example deployed by the real WAR: accounts are opened and paid into over REST, a transfer is carried out
 * by the saga (discovered through CDI with the aggregates and the read model), balances and the transfer's status
 * are read back; bad input gets a 400 problem document and appends nothing. Ids are unique per run, since the test
 * server keeps its data between builds.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BankApiIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.cairnWar();
    }

    @BeforeEach
    void ready() {
        Http.awaitReady(Duration.ofSeconds(120));
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void open(String id, long deposit) {
        Http.Reply r = Http.postJson("/api/bank/accounts", "{\"accountId\":\"" + id + "\",\"owner\":\"Ada\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        if (deposit > 0) {
            Http.Reply d = Http.postJson("/api/bank/accounts/" + id + "/deposits", "{\"amount\":" + deposit + "}");
            assertThat(d.status()).as(d.toString()).isEqualTo(200);
            assertThat(d.object().getJsonNumber("balance").longValue()).isEqualTo(deposit);
        }
    }

    private static String requestTransfer(String from, String to, long amount) {
        String transferId = unique("t");
        Http.Reply t = Http.postJson("/api/bank/transfers", "{\"transferId\":\"" + transferId + "\",\"fromAccount\":\""
                + from + "\",\"toAccount\":\"" + to + "\",\"amount\":" + amount + "}");
        assertThat(t.status()).as(t.toString()).isEqualTo(202);
        assertThat(t.object().getString("transferId")).isEqualTo(transferId);
        assertThat(t.object().getString("status")).isEqualTo("REQUESTED");
        return transferId;
    }

    /** Polls {@code path} until its JSON answer satisfies {@code done} (the read model follows commands closely). */
    private static JsonObject awaitJson(String path, Predicate<JsonObject> done) {
        Instant deadline = Instant.now().plus(WAIT);
        Http.Reply last = null;
        while (Instant.now().isBefore(deadline)) {
            last = Http.get(path);
            if (last.status() == 200 && done.test(last.object())) {
                return last.object();
            }
            sleep();
        }
        throw new AssertionError(path + " did not reach the expected state within " + WAIT + ": " + last);
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long balance(JsonObject account) {
        return account.getJsonNumber("balance").longValue();
    }

    private static long recordsInBankTopics() {
        long total = 0;
        for (String topic : new String[]{"bank-accounts", "bank-transfers"}) {
            Http.Reply r = Http.get("/api/topics/" + topic);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            for (var p : r.object().getJsonArray("partitions")) {
                total += p.asJsonObject().getJsonNumber("logEndOffset").longValue();
            }
        }
        return total;
    }

    private static void assertProblem(Http.Reply r, int status, String typeSuffix, String detailPart) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/problem+json");
        JsonObject p = r.object();
        assertThat(p.getInt("status")).isEqualTo(status);
        assertThat(p.getString("type")).endsWith(typeSuffix);
        assertThat(p.getString("detail")).contains(detailPart);
    }

    @Test
    void openAccountsTransferMoneyAndSeeTheBalances() {
        String alice = unique("alice");
        String bob = unique("bob");
        open(alice, 1000);
        open(bob, 0);

        String transferId = requestTransfer(alice, bob, 300);

        JsonObject done = awaitJson("/api/bank/transfers/" + transferId, o -> !o.getString("status").equals("REQUESTED"));
        assertThat(done.getString("status")).as(done.toString()).isEqualTo("COMPLETED");
        assertThat(balance(awaitJson("/api/bank/accounts/" + bob, o -> balance(o) == 300))).isEqualTo(300);
        assertThat(balance(awaitJson("/api/bank/accounts/" + alice, o -> balance(o) == 700))).isEqualTo(700);
    }

    @Test
    void aTransferBeyondTheBalanceFailsWithItsReason() {
        String carol = unique("carol");
        String dave = unique("dave");
        open(carol, 50);
        open(dave, 0);

        String transferId = requestTransfer(carol, dave, 80);

        JsonObject failed = awaitJson("/api/bank/transfers/" + transferId, o -> o.getString("status").equals("FAILED"));
        assertThat(failed.getString("reason")).contains("insufficient funds");
        assertThat(balance(awaitJson("/api/bank/accounts/" + carol, o -> true))).isEqualTo(50);
    }

    @Test
    void badInputGetsAProblemDocumentAndAppendsNothing() {
        String erin = unique("erin");
        open(erin, 10);
        awaitJson("/api/bank/accounts/" + erin, o -> balance(o) == 10);
        long before = recordsInBankTopics();

        assertProblem(Http.postJson("/api/bank/accounts/" + erin + "/deposits", "{\"amount\":-5}"),
                400, "invalid-request", "amount must be > 0");
        assertProblem(Http.postJson("/api/bank/accounts/" + erin + "/deposits", "{\"amount\":\"5\"}"),
                400, "invalid-request", "whole number");
        assertProblem(Http.postJson("/api/bank/accounts/" + erin + "/deposits", "{\"amount\":5"),
                400, "malformed-json", "not valid JSON");
        assertProblem(Http.postJson("/api/bank/accounts/" + erin + "/deposits", "{\"amount\":5,\"extra\":1}"),
                400, "invalid-request", "unknown field 'extra'");
        assertProblem(Http.postJson("/api/bank/accounts", "{\"accountId\":\"a b\",\"owner\":\"Zed\"}"),
                400, "invalid-request", "accountId must be");
        assertProblem(Http.postJson("/api/bank/accounts", "{\"owner\":\"\"}"),
                400, "invalid-request", "owner");
        assertProblem(Http.postJson("/api/bank/transfers", "{\"fromAccount\":\"" + erin + "\",\"toAccount\":\"" + erin
                + "\",\"amount\":1}"), 400, "invalid-request", "must differ");
        assertProblem(Http.postJson("/api/bank/accounts/" + erin + "/withdrawals", "{\"amount\":11}"),
                409, "command-rejected", "insufficient funds");
        assertProblem(Http.postJson("/api/bank/accounts/" + unique("nobody") + "/deposits", "{\"amount\":1}"),
                404, "unknown-aggregate", "");
        assertProblem(Http.postJson("/api/bank/accounts", "{\"accountId\":\"" + erin + "\",\"owner\":\"Again\"}"),
                409, "concurrency-conflict", "already exists");

        assertThat(recordsInBankTopics()).isEqualTo(before);
        assertThat(balance(Http.get("/api/bank/accounts/" + erin).object())).isEqualTo(10);
    }

    @Test
    void theDomainRuntimeReportsItsProcessorsInReadiness() {
        Http.Reply r = Http.get("/health/ready");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body()).contains("cairn-domain-ready").contains("saga-MoneyTransferSaga")
                .contains("bank-read-model");
    }

    @Test
    void aProcessorResetRebuildsTheReadModelFromTheStart() {
        String frank = unique("frank");
        open(frank, 77);
        awaitJson("/api/bank/accounts/" + frank, o -> balance(o) == 77);

        Http.Reply list = Http.get("/api/processors");
        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        assertThat(list.array().stream().map(v -> v.asJsonObject().getString("name")))
                .contains("bank-read-model", "saga-MoneyTransferSaga");

        Http.Reply reset = Http.post("/api/processors/bank-read-model/reset", "application/json", "");
        assertThat(reset.status()).as(reset.toString()).isEqualTo(200);
        assertThat(reset.object().getString("state")).isEqualTo("RUNNING");
        assertThat(balance(awaitJson("/api/bank/accounts/" + frank, o -> balance(o) == 77))).isEqualTo(77);

        assertProblem(Http.post("/api/processors/nope/reset", "application/json", ""), 404, "unknown-processor",
                "bank-read-model");
    }

    @Test
    void anAccountsUpdatesArriveAsServerSentEvents() throws Exception {
        String gina = unique("gina");
        open(gina, 10);
        awaitJson("/api/bank/accounts/" + gina, o -> balance(o) == 10);
        java.util.concurrent.BlockingQueue<String> data = new java.util.concurrent.LinkedBlockingQueue<>();
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(Http.base() + "/api/bank/accounts/" + gina + "/updates"))
                .header("Accept", "text/event-stream").GET().build();
        var response = client.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofLines())
                .get(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        Thread reader = new Thread(() -> response.body().filter(l -> l.startsWith("data:"))
                .forEach(l -> data.add(l.substring(5).trim())));
        reader.setDaemon(true);
        reader.start();
        try {
            assertThat(data.poll(30, TimeUnit.SECONDS)).contains("\"balance\":10");
            Http.postJson("/api/bank/accounts/" + gina + "/deposits", "{\"amount\":5}");
            assertThat(data.poll(30, TimeUnit.SECONDS)).contains("\"balance\":15");
        } finally {
            response.body().close();
        }
        assertProblem(Http.get("/api/bank/accounts/" + unique("nobody") + "/updates"), 404, "unknown-aggregate", "no account");
    }
}
