package io.cairn.sdk.command;

import io.cairn.log.store.AppendResult;
import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.EventHeaders;
import io.cairn.log.store.StoredEvent;
import io.cairn.sdk.CommandMessage;
import io.cairn.sdk.aggregate.AggregateNotFoundException;
import io.cairn.sdk.eventstore.InMemoryEventStore;
import io.cairn.sdk.example.bank.AccountOpened;
import io.cairn.sdk.example.bank.BankAccount;
import io.cairn.sdk.example.bank.Deposit;
import io.cairn.sdk.example.bank.InsufficientFunds;
import io.cairn.sdk.example.bank.MoneyDeposited;
import io.cairn.sdk.example.bank.OpenAccount;
import io.cairn.sdk.example.bank.Transfer;
import io.cairn.sdk.example.bank.Withdraw;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventSourcingCommandGatewayTest {

    private final InMemoryEventStore store = new InMemoryEventStore();
    private final EventSourcingCommandGateway gateway = EventSourcingCommandGateway.builder(store)
            .register(BankAccount.class).register(Transfer.class)
            .interceptor(CommandInterceptor.metadata("user", m -> "tester"))
            .build();

    @Test
    void createsLoadsAndAppendsWithMetadata() {
        String id = gateway.send(new OpenAccount("a1", "Ada", 0), Map.of(EventHeaders.CORRELATION_KEY, "corr-1"));
        assertThat(id).isEqualTo("a1");
        long balance = gateway.send(new Deposit("a1", 30));
        assertThat(balance).isEqualTo(30);
        CompletableFuture<Long> async = gateway.sendAsync(new Deposit("a1", 12));
        assertThat(async.join()).isEqualTo(42);

        List<StoredEvent> events = store.read(BankAccount.TOPIC, "a1", 0);
        assertThat(events).extracting(StoredEvent::sequence).containsExactly(0L, 1L, 2L);
        assertThat(events).extracting(StoredEvent::eventType).containsExactly("AccountOpened", "MoneyDeposited", "MoneyDeposited");
        assertThat(events.get(0).metadata()).containsEntry("correlationId", "corr-1").containsEntry("user", "tester")
                .containsKey("causationId");
        assertThat(events.get(1).metadata().get("correlationId")).isEqualTo(events.get(1).metadata().get("causationId"));
        assertThat(new String(events.get(0).payload())).isEqualTo("{\"accountId\":\"a1\",\"owner\":\"Ada\",\"overdraftLimit\":0}");
        assertThat(gateway.serializer().deserialize("MoneyDeposited", 0, events.get(2).payload()))
                .isEqualTo(new MoneyDeposited("a1", 12, null));
    }

    @Test
    void causationIsTheCommandId() {
        gateway.sendAsync(new CommandMessage<>("cmd-7", new OpenAccount("a1", "Ada", 0), Map.of())).join();
        assertThat(store.read(BankAccount.TOPIC, "a1", 0).get(0).metadata())
                .containsEntry("causationId", "cmd-7").containsEntry("correlationId", "cmd-7");
    }

    @Test
    void badInputIsRejectedClearlyAndAppendsNothing() {
        gateway.send(new OpenAccount("a1", "Ada", 0));
        assertThatThrownBy(() -> gateway.send(new Deposit("a1", -3)))
                .isInstanceOf(CommandValidationException.class).hasMessage("invalid Deposit: amount must be > 0, was -3");
        assertThatThrownBy(() -> gateway.send(new OpenAccount("", "Ada", 0)))
                .isInstanceOf(CommandValidationException.class).hasMessageContaining("accountId is required");
        assertThatThrownBy(() -> gateway.send(new Withdraw("a1", 1))).isInstanceOf(InsufficientFunds.class);
        assertThatThrownBy(() -> gateway.send(new Deposit("missing", 1))).isInstanceOf(AggregateNotFoundException.class);
        assertThatThrownBy(() -> gateway.send("not a command")).isInstanceOf(NoHandlerException.class)
                .hasMessageContaining("java.lang.String").hasMessageContaining("Deposit");
        assertThatThrownBy(() -> gateway.sendAsync(new Deposit("a1", 0)).join()).hasCauseInstanceOf(CommandValidationException.class);
        assertThat(store.read(BankAccount.TOPIC, "a1", 0)).hasSize(1);
        assertThat(store.lastSequence(BankAccount.TOPIC, "missing")).isEqualTo(-1);
        assertThat(store.endOffset(BankAccount.TOPIC, 0) + store.endOffset(BankAccount.TOPIC, 1)
                + store.endOffset(BankAccount.TOPIC, 2) + store.endOffset(BankAccount.TOPIC, 3)).isEqualTo(1);
    }

    @Test
    void secondOpenOfTheSameIdConflictsEvenWithRetries() {
        EventSourcingCommandGateway retrying = EventSourcingCommandGateway.builder(store).register(BankAccount.class)
                .retryOnConflict(5).build();
        retrying.send(new OpenAccount("a1", "Ada", 0));
        assertThatThrownBy(() -> retrying.send(new OpenAccount("a1", "Bob", 0)))
                .isInstanceOf(ConcurrencyConflictException.class).hasMessageContaining("expected last sequence -1, actual 0");
        assertThat(store.read(BankAccount.TOPIC, "a1", 0)).singleElement()
                .satisfies(e -> assertThat(retrying.serializer().deserialize(e.eventType(), e.revision(), e.payload()))
                        .isEqualTo(new AccountOpened("a1", "Ada", 0)));
    }

    @Test
    void aSyncSendWithoutOutcomeTimesOutSayingTheOutcomeIsUnknown() {
        EventStore stuck = new NeverAcknowledging(new InMemoryEventStore());
        EventSourcingCommandGateway gateway = EventSourcingCommandGateway.builder(stuck).register(BankAccount.class)
                .sendTimeout(java.time.Duration.ofMillis(200)).build();
        assertThatThrownBy(() -> gateway.send(new OpenAccount("a1", "Ada", 0)))
                .isInstanceOf(CommandTimeoutException.class).hasMessageContaining("may or may not have been appended");
    }

    /** A store that takes appends but never acknowledges them (a hung disk, say). */
    private record NeverAcknowledging(EventStore delegate) implements EventStore {
        @Override public AppendResult append(String t, String id, long e, List<EventData> ev) { return delegate.append(t, id, e, ev); }
        @Override public CompletableFuture<AppendResult> appendAsync(String t, String id, long e, List<EventData> ev) {
            return new CompletableFuture<>();
        }
        @Override public List<StoredEvent> read(String t, String id, long from) { return delegate.read(t, id, from); }
        @Override public Optional<StoredEvent> readLast(String t, String id) { return delegate.readLast(t, id); }
        @Override public long lastSequence(String t, String id) { return delegate.lastSequence(t, id); }
        @Override public void ensureTopic(String t, int p, boolean c) { delegate.ensureTopic(t, p, c); }
        @Override public int partitionCount(String t) { return delegate.partitionCount(t); }
        @Override public long endOffset(String t, int p) { return delegate.endOffset(t, p); }
        @Override public List<StoredEvent> readPartition(String t, int p, long o, int m, long w) {
            return delegate.readPartition(t, p, o, m, w);
        }
    }

    @Test
    void rejectsAmbiguousRegistrations() {
        assertThatThrownBy(() -> EventSourcingCommandGateway.builder(store).register(BankAccount.class)
                .register(BankAccount.class).build()).hasMessageContaining("two aggregates registered on topic bank-accounts");
        assertThatThrownBy(() -> EventSourcingCommandGateway.builder(store).register(String.class).build())
                .hasMessageContaining("not annotated with @Aggregate");
    }
}
