package io.cairn.sdk.example.bank;

import io.cairn.sdk.example.bank.BankQueries.AccountView;
import io.cairn.sdk.example.bank.BankQueries.FindAccount;
import io.cairn.sdk.example.bank.BankQueries.FindTransfer;
import io.cairn.sdk.example.bank.BankQueries.ListAccounts;
import io.cairn.sdk.example.bank.BankQueries.TransferView;
import io.cairn.sdk.processing.EventHandler;
import io.cairn.sdk.processing.ProcessingGroup;
import io.cairn.sdk.processing.ResetHandler;
import io.cairn.sdk.query.QueryHandler;
import io.cairn.sdk.query.QueryUpdateEmitter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Accounts and transfers as the bank's API shows them, built from both topics and kept in memory (so its processor
 * replays from the start at every start: {@code inMemory = true}). Each change is pushed to the subscription queries
 * it answers. Events of one account arrive in order from one partition; accounts and transfers live in different
 * partitions, hence the concurrent maps and whole-value replacement.
 */
@ProcessingGroup(value = "bank-read-model", topics = {BankAccount.TOPIC, Transfer.TOPIC}, inMemory = true)
public class BankReadModel {
    /** Most transfer ids kept per account view (the latest ones). */
    static final int RECENT_TRANSFERS = 20;

    private final Map<String, AccountView> accounts = new ConcurrentHashMap<>();
    private final Map<String, TransferView> transfers = new ConcurrentHashMap<>();

    @EventHandler
    void on(AccountOpened e, QueryUpdateEmitter emitter) {
        put(new AccountView(e.accountId(), e.owner(), e.overdraftLimit(), 0, false, List.of()), emitter);
    }

    @EventHandler
    void on(MoneyDeposited e, QueryUpdateEmitter emitter) {
        change(e.accountId(), e.amount(), e.transferId(), emitter);
    }

    @EventHandler
    void on(MoneyWithdrawn e, QueryUpdateEmitter emitter) {
        change(e.accountId(), -e.amount(), e.transferId(), emitter);
    }

    @EventHandler
    void on(AccountClosed e, QueryUpdateEmitter emitter) {
        AccountView a = accounts.get(e.accountId());
        if (a != null) {
            put(new AccountView(a.accountId(), a.owner(), a.overdraftLimit(), a.balance(), true, a.transfers()), emitter);
        }
    }

    @EventHandler
    void on(TransferRequested e, QueryUpdateEmitter emitter) {
        put(new TransferView(e.transferId(), e.fromAccount(), e.toAccount(), e.amount(), "REQUESTED", null), emitter);
    }

    @EventHandler
    void on(TransferCompleted e, QueryUpdateEmitter emitter) {
        settle(e.transferId(), "COMPLETED", null, emitter);
    }

    @EventHandler
    void on(TransferFailed e, QueryUpdateEmitter emitter) {
        settle(e.transferId(), "FAILED", e.reason(), emitter);
    }

    @ResetHandler
    void reset() {
        accounts.clear();
        transfers.clear();
    }

    @QueryHandler
    AccountView account(FindAccount q) {
        return accounts.get(q.accountId());
    }

    @QueryHandler
    List<AccountView> accounts(ListAccounts q) {
        List<AccountView> all = new ArrayList<>(accounts.values());
        all.sort(Comparator.comparing(AccountView::accountId));
        return all;
    }

    @QueryHandler
    TransferView transfer(FindTransfer q) {
        return transfers.get(q.transferId());
    }

    private void change(String accountId, long delta, String transferId, QueryUpdateEmitter emitter) {
        AccountView a = accounts.get(accountId);
        if (a == null) {
            return;
        }
        List<String> recent = a.transfers();
        if (transferId != null && !recent.contains(transferId)) {
            List<String> more = new ArrayList<>(recent);
            more.add(transferId);
            recent = List.copyOf(more.subList(Math.max(0, more.size() - RECENT_TRANSFERS), more.size()));
        }
        put(new AccountView(a.accountId(), a.owner(), a.overdraftLimit(), a.balance() + delta, a.closed(), recent),
                emitter);
    }

    private void settle(String transferId, String status, String reason, QueryUpdateEmitter emitter) {
        TransferView t = transfers.get(transferId);
        if (t != null) {
            put(new TransferView(t.transferId(), t.fromAccount(), t.toAccount(), t.amount(), status, reason), emitter);
        }
    }

    private void put(AccountView a, QueryUpdateEmitter emitter) {
        accounts.put(a.accountId(), a);
        emitter.emit(FindAccount.class, q -> q.accountId().equals(a.accountId()), a);
    }

    private void put(TransferView t, QueryUpdateEmitter emitter) {
        transfers.put(t.transferId(), t);
        emitter.emit(FindTransfer.class, q -> q.transferId().equals(t.transferId()), t);
    }
}
