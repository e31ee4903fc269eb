package io.cairn.sdk.command;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.LogEventStore;
import io.cairn.log.store.StoredEvent;
import io.cairn.sdk.aggregate.Aggregate;
import io.cairn.sdk.aggregate.AggregateId;
import io.cairn.sdk.aggregate.AggregateNotFoundException;
import io.cairn.sdk.aggregate.CommandHandler;
import io.cairn.sdk.aggregate.EventSourcedRepository;
import io.cairn.sdk.aggregate.EventSourcingHandler;
import io.cairn.sdk.aggregate.LoadedAggregate;
import io.cairn.sdk.example.bank.BankAccount;
import io.cairn.sdk.example.bank.CloseAccount;
import io.cairn.sdk.example.bank.Deposit;
import io.cairn.sdk.example.bank.InsufficientFunds;
import io.cairn.sdk.example.bank.MoneyDeposited;
import io.cairn.sdk.example.bank.OpenAccount;
import io.cairn.sdk.example.bank.Transfer;
import io.cairn.sdk.example.bank.Withdraw;
import io.cairn.sdk.serialization.EventType;
import io.cairn.sdk.serialization.Revision;
import io.cairn.sdk.serialization.Upcaster;
import io.cairn.sdk.snapshot.SnapshotStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.cairn.sdk.aggregate.AggregateLifecycle.apply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The command gateway on the real log engine (LogEventStore): concurrency, restarts, snapshots, upcasting, bad input. */
class GatewayOnLogEngineTest {

    @TempDir
    Path dir;
    private LogEngine engine;
    private LogEventStore store;

    @BeforeEach
    void open() {
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        store = LogEventStore.of(engine);
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private void restart() {
        engine.close();
        engine = LogEngine.open(LogEngineConfig.builder(dir).cleanerIntervalMs(0).build());
        store = LogEventStore.of(engine);
    }

    private EventSourcingCommandGateway.Builder bank() {
        return EventSourcingCommandGateway.builder(store).register(BankAccount.class).register(Transfer.class);
    }

    private List<MoneyDeposited> deposits(EventSourcingCommandGateway gateway, String account) {
        List<MoneyDeposited> out = new ArrayList<>();
        for (StoredEvent e : store.read(BankAccount.TOPIC, account, 0)) {
            Object event = gateway.serializer().deserialize(e.eventType(), e.revision(), e.payload());
            if (event instanceof MoneyDeposited d) {
                out.add(d);
            }
        }
        return out;
    }

    private static void assertContiguous(List<StoredEvent> events) {
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).sequence()).as("sequence of event %d", i).isEqualTo(i);
        }
    }

    @Test
    void fiftyConcurrentWritersWithRetryLoseAndDuplicateNothing() throws Exception {
        EventSourcingCommandGateway gateway = bank().retryOnConflict(100_000).build();
        gateway.send(new OpenAccount("hot", "Ada", 0));
        int writers = 50;
        int perWriter = 6;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perWriter; i++) {
                    gateway.send(new Deposit("hot", 1, "w" + writer + "-" + i));
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(5, TimeUnit.MINUTES);
        }
        pool.shutdown();

        List<StoredEvent> events = store.read(BankAccount.TOPIC, "hot", 0);
        assertThat(events).hasSize(1 + writers * perWriter);
        assertContiguous(events);
        List<String> tags = deposits(gateway, "hot").stream().map(MoneyDeposited::transferId).toList();
        assertThat(new HashSet<>(tags)).as("every command's event exactly once").hasSize(writers * perWriter);
        assertThat(gateway.<BankAccount>repository(BankAccount.TOPIC).load("hot").state().balance())
                .isEqualTo(writers * perWriter);
    }

    @Test
    void fiftyConcurrentWritersWithoutRetryDetectEveryConflict() throws Exception {
        EventSourcingCommandGateway gateway = bank().build();
        gateway.send(new OpenAccount("hot", "Ada", 0));
        int writers = 50;
        int perWriter = 8;
        ConcurrentLinkedQueue<String> succeeded = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> conflicted = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> balancesSeen = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perWriter; i++) {
                    String tag = "w" + writer + "-" + i;
                    try {
                        long balance = gateway.send(new Deposit("hot", 1, tag));
                        balancesSeen.add(balance);
                        succeeded.add(tag);
                    } catch (ConcurrencyConflictException e) {
                        conflicted.add(tag);
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(5, TimeUnit.MINUTES);
        }
        pool.shutdown();

        assertThat(succeeded.size() + conflicted.size()).isEqualTo(writers * perWriter);
        List<StoredEvent> events = store.read(BankAccount.TOPIC, "hot", 0);
        assertContiguous(events);
        assertThat(events).hasSize(1 + succeeded.size());
        List<String> stored = deposits(gateway, "hot").stream().map(MoneyDeposited::transferId).toList();
        assertThat(stored).as("exactly the acknowledged commands, each once").containsExactlyInAnyOrderElementsOf(succeeded);
        // Each success saw a different predecessor state: a missed conflict would make two commands report one balance.
        assertThat(new HashSet<>(balancesSeen)).hasSize(succeeded.size());
        assertThat(Set.copyOf(balancesSeen)).allMatch(b -> b >= 1 && b <= succeeded.size());
    }

    @Test
    void twoGatewaysOnOneStoreNeverActOnAStaleCachedState() {
        EventSourcingCommandGateway first = bank().build(); // no retries: a stale state would surface as a conflict
        EventSourcingCommandGateway second = bank().build();
        first.send(new OpenAccount("shared", "Ada", 0));
        for (int i = 1; i <= 5; i++) {
            assertThat((long) first.send(new Deposit("shared", 1))).isEqualTo(2L * i - 1);
            assertThat((long) second.send(new Deposit("shared", 1))).isEqualTo(2L * i);
        }
        assertThat((long) first.send(new Withdraw("shared", 10))).isZero();
        assertThatThrownBy(() -> second.send(new Withdraw("shared", 1))).isInstanceOf(InsufficientFunds.class);
        assertContiguous(store.read(BankAccount.TOPIC, "shared", 0));
    }

    @Test
    void manyInFlightAsyncCommandsAllLand() {
        EventSourcingCommandGateway gateway = bank().build();
        int accounts = 100;
        List<CompletableFuture<Object>> opens = new ArrayList<>();
        for (int a = 0; a < accounts; a++) {
            opens.add(gateway.sendAsync(new OpenAccount("acc-" + a, "owner", 0)));
        }
        CompletableFuture.allOf(opens.toArray(CompletableFuture[]::new)).join();
        // one in-flight deposit per account at a time, all accounts at once
        List<CompletableFuture<Object>> deposits = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            deposits.clear();
            for (int a = 0; a < accounts; a++) {
                deposits.add(gateway.sendAsync(new Deposit("acc-" + a, round + 1)));
            }
            CompletableFuture.allOf(deposits.toArray(CompletableFuture[]::new)).join();
        }
        EventSourcedRepository<BankAccount> repository = gateway.repository(BankAccount.TOPIC);
        for (int a = 0; a < accounts; a++) {
            LoadedAggregate<BankAccount> loaded = repository.load("acc-" + a);
            assertThat(loaded.state().balance()).isEqualTo(15);
            assertThat(loaded.lastSequence()).isEqualTo(5);
        }
    }

    @Test
    void aggregatesLoadTheSameAfterAnEngineRestartWithAndWithoutSnapshots() {
        EventSourcingCommandGateway gateway = bank().build();
        gateway.send(new OpenAccount("a", "Ada", 100));
        gateway.send(new OpenAccount("b", "Bob", 0));
        for (int i = 1; i <= 250; i++) {
            gateway.send(new Deposit("a", i));
        }
        gateway.send(new Withdraw("a", 31_000));
        gateway.send(new CloseAccount("b"));
        long expectedBalance = 250 * 251 / 2 - 31_000;
        // BankAccount snapshots every 100 events: the last at sequence 199 (written after the append, asynchronously)
        await().atMost(Duration.ofSeconds(60)).until(() -> store.readLast(SnapshotStore.topicFor(BankAccount.TOPIC), "a")
                .map(s -> s.metadata().get(SnapshotStore.SEQUENCE_KEY)).orElse("").equals("199"));

        restart();
        EventSourcingCommandGateway after = bank().build();
        EventSourcedRepository<BankAccount> repository = after.repository(BankAccount.TOPIC);
        LoadedAggregate<BankAccount> fromSnapshot = repository.load("a");
        LoadedAggregate<BankAccount> fromEvents = repository.load("a", false);
        assertThat(fromSnapshot.fromSnapshot()).isTrue();
        assertThat(fromSnapshot.eventsRead()).isEqualTo(52); // sequences 200..251
        assertThat(fromEvents.fromSnapshot()).isFalse();
        assertThat(fromEvents.eventsRead()).isEqualTo(252);
        for (LoadedAggregate<BankAccount> loaded : List.of(fromSnapshot, fromEvents)) {
            assertThat(loaded.lastSequence()).isEqualTo(251);
            assertThat(loaded.state().balance()).isEqualTo(expectedBalance);
            assertThat(loaded.state().owner()).isEqualTo("Ada");
            assertThat(loaded.state().overdraftLimit()).isEqualTo(100);
        }
        assertThat(repository.load("b").state().closed()).isTrue();
        // and it keeps working where it left off
        assertThat((long) after.send(new Deposit("a", 5))).isEqualTo(expectedBalance + 5);
        assertThatThrownBy(() -> after.send(new Deposit("b", 5))).hasMessageContaining("is closed");
    }

    @Test
    void badCommandInputIsRejectedAndAppendsNothing() {
        EventSourcingCommandGateway gateway = bank().build();
        gateway.send(new OpenAccount("a", "Ada", 0));
        long before = totalRecords(BankAccount.TOPIC);
        assertThatThrownBy(() -> gateway.send(new Deposit("a", 0))).isInstanceOf(CommandValidationException.class)
                .hasMessage("invalid Deposit: amount must be > 0, was 0");
        assertThatThrownBy(() -> gateway.send(new OpenAccount(null, "", -5))).isInstanceOf(CommandValidationException.class)
                .hasMessage("invalid OpenAccount: accountId is required; owner is required; overdraftLimit must be >= 0, was -5");
        assertThatThrownBy(() -> gateway.send(new Withdraw("a", 1))).isInstanceOf(InsufficientFunds.class);
        assertThatThrownBy(() -> gateway.send(new Deposit("ghost", 1))).isInstanceOf(AggregateNotFoundException.class);
        assertThatThrownBy(() -> gateway.sendAsync(new Withdraw("a", -1)).join())
                .hasCauseInstanceOf(CommandValidationException.class);
        assertThat(totalRecords(BankAccount.TOPIC)).isEqualTo(before);
        assertThat(store.read(BankAccount.TOPIC, "a", 0)).hasSize(1);
        assertThat(store.lastSequence(BankAccount.TOPIC, "ghost")).isEqualTo(EventStore.NEW_AGGREGATE);
    }

    private long totalRecords(String topic) {
        long sum = 0;
        for (int p = 0; p < store.partitionCount(topic); p++) {
            sum += store.endOffset(topic, p);
        }
        return sum;
    }

    // ---- upcasting: a thermostat whose event moved from Fahrenheit (revision 0) to Celsius tenths (revision 1)

    record SetTemperature(@TargetAggregateId String id, int celsiusTenths) { }

    record Install(@TargetAggregateId String id) { }

    @EventType("Installed")
    record Installed(String id) { }

    @EventType("TemperatureSet")
    @Revision(1)
    record TemperatureSet(String id, int celsiusTenths) { }

    @Aggregate(topic = "thermostats")
    static class Thermostat {
        @AggregateId
        private String id;
        private final List<Integer> history = new ArrayList<>();

        Thermostat() { }

        @CommandHandler
        Thermostat(Install c) { apply(new Installed(c.id())); }

        @CommandHandler
        void handle(SetTemperature c) { apply(new TemperatureSet(id, c.celsiusTenths())); }

        @EventSourcingHandler
        void on(Installed e) { id = e.id(); }

        @EventSourcingHandler
        void on(TemperatureSet e) { history.add(e.celsiusTenths()); }
    }

    @Test
    void anUpcasterTransformsOldEventsOnRead() {
        EventSourcingCommandGateway gateway = EventSourcingCommandGateway.builder(store).register(Thermostat.class).build();
        AtomicInteger upcasts = new AtomicInteger();
        gateway.serializer().register(Upcaster.of("TemperatureSet", 0, node -> {
            upcasts.incrementAndGet();
            int fahrenheit = node.remove("fahrenheit").asInt();
            return node.put("celsiusTenths", Math.round((fahrenheit - 32) * 50 / 9f));
        }));
        // events written by the old version of the application: revision 0, in Fahrenheit
        store.append("thermostats", "t1", EventStore.NEW_AGGREGATE, List.of(
                old("Installed", 0, "{\"id\":\"t1\"}"),
                old("TemperatureSet", 0, "{\"id\":\"t1\",\"fahrenheit\":212}"),
                old("TemperatureSet", 0, "{\"id\":\"t1\",\"fahrenheit\":32}")));
        gateway.send(new SetTemperature("t1", 215));

        Thermostat loaded = gateway.<Thermostat>repository("thermostats").load("t1").state();
        assertThat(loaded.history).containsExactly(1000, 0, 215);
        assertThat(upcasts).hasValue(4); // two events, read once by the command and once by the load
        List<StoredEvent> stored = store.read("thermostats", "t1", 0);
        assertThat(stored.get(1).revision()).as("stored events are never rewritten").isZero();
        assertThat(stored.get(3).revision()).isEqualTo(1);
        assertThat(new String(stored.get(3).payload(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"t1\",\"celsiusTenths\":215}");
    }

    private static EventData old(String type, int revision, String json) {
        return new EventData(type, revision, json.getBytes(StandardCharsets.UTF_8), Map.of());
    }
}
