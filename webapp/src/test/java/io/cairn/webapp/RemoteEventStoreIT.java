package io.cairn.webapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.json.JsonObject;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.cairn.log.LogException;
import io.cairn.log.store.AppendResult;
import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;
import io.cairn.sdk.aggregate.AggregateNotFoundException;
import io.cairn.sdk.example.bank.BankAccount;
import io.cairn.sdk.example.bank.BankQueries.AccountView;
import io.cairn.sdk.example.bank.BankQueries.FindAccount;
import io.cairn.sdk.example.bank.BankQueries.FindTransfer;
import io.cairn.sdk.example.bank.BankQueries.TransferView;
import io.cairn.sdk.example.bank.BankReadModel;
import io.cairn.sdk.example.bank.Deposit;
import io.cairn.sdk.example.bank.OpenAccount;
import io.cairn.sdk.example.bank.RequestTransfer;
import io.cairn.sdk.example.bank.Transfer;
import io.cairn.sdk.example.bank.Withdraw;
import io.cairn.sdk.remote.RemoteEventStore;
import io.cairn.sdk.runtime.DomainRuntime;
import io.cairn.sdk.snapshot.SnapshotStore;

import static org.awaitility.Awaitility.await;

/**
 * The domain SDK in this JVM against the Cairn server on Liberty through {@link RemoteEventStore}: appends over the
 * Kafka protocol (conditional produce), aggregate loads over REST, tracking processors over Kafka consumers. Conflicts
 * are detected and nothing is lost or duplicated under racing writers; the bank example's commands, aggregates,
 * snapshots and read model run here while the server's own runtime (its saga) completes a transfer requested here.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RemoteEventStoreIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    private RemoteEventStore store;

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.cairnWar();
    }

    @BeforeEach
    void connect() {
        Http.awaitReady(Duration.ofSeconds(90));
        store = RemoteEventStore.builder(URI.create(Http.base() + "/api/"), KafkaClients.bootstrap())
                .timeout(Duration.ofSeconds(30)).producers(8).build();
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static EventData event(String type, String payload) {
        return new EventData(type, 2, payload.getBytes(StandardCharsets.UTF_8), Map.of("correlationId", "corr-1", "user", "ann"));
    }

    private static String text(StoredEvent e) {
        return new String(e.payload(), StandardCharsets.UTF_8);
    }

    @Test
    void appendsAndReadsBackOverTheRemoteStore() {
        String topic = unique("remote-acc");
        store.ensureTopic(topic, 3, false);
        store.ensureTopic(topic, 3, false); // exists: no-op
        Http.Reply described = Http.get("/api/topics/" + topic);
        assertThat(described.status()).as(described.toString()).isEqualTo(200);
        assertThat(described.body()).contains("\"retention.ms\"");

        AppendResult first = store.append(topic, "acc-1", EventStore.NEW_AGGREGATE,
                List.of(event("Opened", "{\"owner\":\"ann\",\"limit\":1.50}"), event("Deposited", "{\"amount\":10}")));
        assertThat(first.lastSequence()).isEqualTo(1);
        assertThat(first.lastOffset() - first.firstOffset()).isEqualTo(1);
        byte[] binary = {0, (byte) 0xff, 1, 2};
        store.append(topic, "acc-1", 1, List.of(new EventData("Binary", 0, binary, null)));

        List<StoredEvent> events = store.read(topic, "acc-1", 0);
        assertThat(events).extracting(StoredEvent::sequence).containsExactly(0L, 1L, 2L);
        assertThat(events).extracting(StoredEvent::eventType).containsExactly("Opened", "Deposited", "Binary");
        assertThat(text(events.get(0))).isEqualTo("{\"owner\":\"ann\",\"limit\":1.50}"); // the stored bytes, exactly
        assertThat(events.get(2).payload()).isEqualTo(binary);
        assertThat(events.get(0).metadata()).isEqualTo(Map.of("correlationId", "corr-1", "user", "ann"));
        assertThat(events.get(0).revision()).isEqualTo(2);
        assertThat(events.get(0).aggregateType()).isEqualTo(topic);
        assertThat(events.get(0).aggregateId()).isEqualTo("acc-1");
        assertThat(events).extracting(StoredEvent::partition).containsOnly(first.partition());
        assertThat(store.read(topic, "acc-1", 2)).extracting(StoredEvent::eventType).containsExactly("Binary");
        assertThat(store.readLast(topic, "acc-1")).get().extracting(StoredEvent::sequence).isEqualTo(2L);
        assertThat(store.lastSequence(topic, "acc-1")).isEqualTo(2);
        assertThat(store.lastSequence(topic, "nobody")).isEqualTo(EventStore.NEW_AGGREGATE);
        assertThat(store.read(topic, "nobody", 0)).isEmpty();
        assertThat(store.readLast(topic, "nobody")).isEmpty();

        // ANY goes after whatever is there; the REST API sees what the remote store wrote
        assertThat(store.append(topic, "acc-1", EventStore.ANY, List.of(event("Noted", "{}"))).lastSequence()).isEqualTo(3);
        Http.Reply rest = Http.get("/api/aggregates/" + topic + "/acc-1/events");
        assertThat(rest.status()).as(rest.toString()).isEqualTo(200);
        assertThat(rest.object().getJsonNumber("lastSequence").longValue()).isEqualTo(3);
        assertThat(rest.object().getJsonArray("events").getJsonObject(0).getJsonObject("payload").getString("owner")).isEqualTo("ann");

        // partition reads, as tracking processors do them
        assertThat(store.partitionCount(topic)).isEqualTo(3);
        long end = store.endOffset(topic, first.partition());
        assertThat(end).isEqualTo(first.firstOffset() + 4);
        List<StoredEvent> partition = store.readPartition(topic, first.partition(), first.firstOffset(), 100, 0);
        assertThat(partition).extracting(StoredEvent::sequence).containsExactly(0L, 1L, 2L, 3L);
        for (int i = 0; i < 3; i++) {
            assertThat(partition.get(i)).usingRecursiveComparison().ignoringFields("payload").isEqualTo(events.get(i));
            assertThat(partition.get(i).payload()).isEqualTo(events.get(i).payload());
        }
        assertThat(store.readPartition(topic, first.partition(), end, 10, 200)).isEmpty();
    }

    @Test
    void aStaleExpectedSequenceIsAConflictAndAppendsNothing() {
        String topic = unique("remote-conflict");
        store.ensureTopic(topic, 2, false);
        AppendResult r = store.append(topic, "a", EventStore.NEW_AGGREGATE, List.of(event("Opened", "{}")));
        store.append(topic, "a", 0, List.of(event("Deposited", "{}")));
        long end = store.endOffset(topic, r.partition());

        assertThatThrownBy(() -> store.append(topic, "a", 0, List.of(event("Late", "{}"), event("Later", "{}"))))
                .isInstanceOfSatisfying(ConcurrencyConflictException.class, c -> {
                    assertThat(c.aggregateId()).isEqualTo("a");
                    assertThat(c.expectedSequence()).isZero();
                    assertThat(c.actualSequence()).isEqualTo(1);
                });
        assertThatThrownBy(() -> store.append(topic, "a", EventStore.NEW_AGGREGATE, List.of(event("Opened", "{}"))))
                .isInstanceOf(ConcurrencyConflictException.class);
        assertThatThrownBy(() -> store.appendAsync(topic, "a", 5, List.of(event("Opened", "{}"))).join())
                .hasCauseInstanceOf(ConcurrencyConflictException.class);
        assertThat(store.endOffset(topic, r.partition())).isEqualTo(end);
        assertThat(store.read(topic, "a", 0)).extracting(StoredEvent::eventType).containsExactly("Opened", "Deposited");
        assertThat(store.appendAsync(topic, "a", 1, List.of(event("Closed", "{}"))).join().lastSequence()).isEqualTo(2);
    }

    @Test
    void sixteenRacingRemoteWritersNeitherLoseNorDuplicateEvents() throws Exception {
        String topic = unique("remote-race");
        store.ensureTopic(topic, 2, false);
        int threads = 16;
        int perThread = 10;
        AtomicInteger conflicts = new AtomicInteger();
        List<String> written = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int writer = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int n = 0; n < perThread; ) {
                        long last = store.lastSequence(topic, "hot"); // over REST, as a repository loads
                        String id = writer + "-" + n;
                        try {
                            AppendResult r = store.append(topic, "hot", last, List.of(event("E", "\"" + id + "\"")));
                            assertThat(r.lastSequence()).isEqualTo(last + 1);
                            written.add(id);
                            n++;
                        } catch (ConcurrencyConflictException c) {
                            assertThat(c.expectedSequence()).isEqualTo(last);
                            assertThat(c.actualSequence()).isGreaterThan(last);
                            conflicts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(200, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<StoredEvent> events = store.read(topic, "hot", 0);
        assertThat(events).hasSize(threads * perThread);
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).sequence()).isEqualTo(i);
        }
        List<String> stored = events.stream().map(e -> text(e).replace("\"", "")).toList();
        assertThat(stored).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(written);
        assertThat(conflicts.get()).as("racing writers must have collided").isPositive();
    }

    @Test
    void theBankExampleRunsInThisJvmAgainstTheServer() {
        BankReadModel readModel = new BankReadModel();
        DomainRuntime runtime = DomainRuntime.builder(store)
                .partitions(2) // as the server's runtime made the bank topics
                .aggregate(BankAccount.class)
                .aggregate(Transfer.class)
                .eventHandler(readModel)
                .queryHandler(readModel)
                .build();
        runtime.start();
        try {
            String alice = unique("remote-alice");
            String bob = unique("remote-bob");
            var commands = runtime.commandGateway();
            commands.send(new OpenAccount(alice, "Alice", 0));
            commands.send(new OpenAccount(bob, "Bob", 0));
            for (int i = 0; i < 110; i++) { // past BankAccount's snapshotEvery (100): loads go through a snapshot
                commands.send(new Deposit(alice, 10));
            }
            commands.send(new Withdraw(alice, 100));
            assertThat(store.lastSequence(BankAccount.TOPIC, alice)).isEqualTo(111);
            assertThat(store.readLast(BankAccount.TOPIC + SnapshotStore.TOPIC_SUFFIX, alice)).isPresent();
            assertThat(failure(() -> commands.send(new OpenAccount(alice, "Alice again", 0))))
                    .anySatisfy(t -> assertThat(t).isInstanceOf(ConcurrencyConflictException.class));
            assertThat(failure(() -> commands.send(new Deposit(unique("nobody"), 5))))
                    .anySatisfy(t -> assertThat(t).isInstanceOf(AggregateNotFoundException.class));

            // the tracking processor here reads the events over Kafka
            await().atMost(WAIT).untilAsserted(() -> assertThat(account(runtime, alice)).isNotNull()
                    .extracting(AccountView::balance).isEqualTo(1000L));
            // the server sees the same account (its own read model, fed by its own processor)
            await().atMost(WAIT).untilAsserted(() -> {
                Http.Reply a = Http.get("/api/bank/accounts/" + alice);
                assertThat(a.status()).as(a.toString()).isEqualTo(200);
                assertThat(a.object().getJsonNumber("balance").longValue()).isEqualTo(1000);
            });

            // a transfer requested here is carried out by the server's saga; both sides see the outcome
            String transferId = unique("remote-transfer");
            commands.send(new RequestTransfer(transferId, alice, bob, 300));
            await().atMost(WAIT).untilAsserted(() -> {
                TransferView t = runtime.queryGateway().query(new FindTransfer(transferId), TransferView.class).join();
                assertThat(t).isNotNull();
                assertThat(t.status()).isEqualTo("COMPLETED");
            });
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(account(runtime, alice).balance()).isEqualTo(700);
                assertThat(account(runtime, bob).balance()).isEqualTo(300);
            });
            JsonObject serverView = Http.get("/api/bank/accounts/" + bob).object();
            assertThat(serverView.getJsonNumber("balance").longValue()).isEqualTo(300);
            // and the aggregate loaded here (over REST) agrees: withdrawing more than is left is refused
            assertThat(failure(() -> commands.send(new Withdraw(bob, 301))))
                    .anySatisfy(t -> assertThat(t.getMessage()).contains("insufficient funds"));
            commands.send(new Withdraw(bob, 300));
        } finally {
            runtime.close();
        }
    }

    @Test
    void aSagaWithADeadlineRunsInThisJvmOnTheRemoteStore() {
        DomainRuntime runtime = DomainRuntime.builder(store)
                .partitions(2)
                .aggregate(ItParcels.Parcel.class)
                .saga(ItParcels.DeliverySaga.class)
                .build();
        runtime.start();
        try {
            List<String> parcels = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String id = unique("parcel");
                parcels.add(id);
                runtime.commandGateway().send(new ItParcels.SendParcel(id, 500));
            }
            // the saga's processor (Kafka consumer) starts each saga, its deadline fires here, its command goes back
            for (String id : parcels) {
                await().atMost(WAIT).untilAsserted(() -> assertThat(store.read(ItParcels.TOPIC, id, 0))
                        .extracting(StoredEvent::eventType).containsExactly("ParcelSent", "ParcelDelivered"));
            }
            // sagas and deadlines live on the server, in its compacted topics
            assertThat(store.partitionCount("cairn-sagas")).isPositive();
            assertThat(store.partitionCount("cairn-deadlines")).isPositive();
        } finally {
            runtime.close();
        }
    }

    /** The exception {@code r} throws and its causes. */
    private static List<Throwable> failure(Runnable r) {
        List<Throwable> chain = new ArrayList<>();
        try {
            r.run();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
                chain.add(t);
            }
        }
        assertThat(chain).as("an exception").isNotEmpty();
        return chain;
    }

    private static AccountView account(DomainRuntime runtime, String id) {
        return runtime.queryGateway().query(new FindAccount(id), AccountView.class).join();
    }

    @Test
    void badInputGetsAClearError() {
        String topic = unique("remote-bad");
        store.ensureTopic(topic, 1, false);
        String missing = unique("no-such-topic");
        assertThatThrownBy(() -> store.append(missing, "a", -1, List.of(event("E", "{}"))))
                .isInstanceOf(LogException.UnknownTopicException.class).hasMessageContaining(missing);
        assertThatThrownBy(() -> store.read(missing, "a", 0))
                .isInstanceOf(LogException.UnknownTopicException.class).hasMessageContaining(missing);
        assertThatThrownBy(() -> store.lastSequence(missing, "a")).isInstanceOf(LogException.UnknownTopicException.class);
        assertThatThrownBy(() -> store.readPartition(missing, 0, 0, 10, 0)).isInstanceOf(LogException.UnknownTopicException.class);
        assertThatThrownBy(() -> store.partitionCount(missing)).isInstanceOf(LogException.UnknownTopicException.class);
        assertThatThrownBy(() -> store.append(topic, "  ", -1, List.of(event("E", "{}"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aggregate id");
        assertThatThrownBy(() -> store.read(topic, "x".repeat(1025), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes long");
        assertThatThrownBy(() -> store.append(topic, "a", -1, List.of(new EventData(" ", 0, new byte[1], null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("event type");
        assertThatThrownBy(() -> store.readPartition(topic, 5, 0, 10, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partitions 0..0");
        assertThatThrownBy(() -> store.ensureTopic("bad/name", 1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.endOffset(topic, 0)).isZero();

        Http.Reply noId = Http.get("/api/aggregates/" + topic + "/events");
        assertThat(noId.status()).as(noId.toString()).isEqualTo(400);
        assertThat(noId.object().getString("detail")).contains("aggregateId is required");

        // any id works, also those a URL path cannot carry (the remote store sends the id in the query)
        List<String> failed = new ArrayList<>();
        for (String odd : List.of("ann smith", "a+b", "a?x=1", "a#frag", "a%20b", "a/b", "ü-ß", "a;b", "a\\b", "..", ".", "a.b", "a:b", "a&b=c")) {
            try {
                store.append(topic, odd, -1, List.of(event("E", "{}")));
                assertThat(store.read(topic, odd, 0)).extracting(StoredEvent::aggregateId).containsExactly(odd);
            } catch (RuntimeException e) {
                failed.add(odd + " -> " + e.getMessage().substring(0, Math.min(200, e.getMessage().length())));
            }
        }
        assertThat(failed).isEmpty();
    }
}
