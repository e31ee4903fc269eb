package io.cairn.sdk.example.bank;

import io.cairn.sdk.aggregate.Aggregate;
import io.cairn.sdk.aggregate.AggregateId;
import io.cairn.sdk.aggregate.CommandHandler;
import io.cairn.sdk.aggregate.EventSourcingHandler;

import java.util.HashSet;
import java.util.Set;

import static io.cairn.sdk.aggregate.AggregateLifecycle.apply;

/**
 * A bank account: topic {@code bank-accounts}, keyed by account id, amounts in minor units (cents). Withdrawals may
 * take the balance down to minus the overdraft limit, no further ({@link InsufficientFunds}). A closed account
 * rejects money movements; closing needs a zero balance.
 */
@Aggregate(topic = BankAccount.TOPIC, snapshotEvery = 100)
public class BankAccount {

    public static final String TOPIC = "bank-accounts";

    @AggregateId
    private String accountId;
    private String owner;
    private long overdraftLimit;
    private long balance;
    private boolean closed;
    /** Transfer steps applied ("withdrawn:<transferId>", "deposited:<transferId>"): a saga repeating one after a restart changes nothing. */
    private Set<String> transferSteps = new HashSet<>();

    BankAccount() {
    }

    @CommandHandler
    BankAccount(OpenAccount command) {
        apply(new AccountOpened(command.accountId(), command.owner(), command.overdraftLimit()));
    }

    @CommandHandler
    long handle(Deposit command) {
        requireOpen("deposit");
        if (command.transferId() != null && transferSteps.contains("deposited:" + command.transferId())) {
            return balance;
        }
        Math.addExact(balance, command.amount()); // reject an overflow before the event exists
        apply(new MoneyDeposited(accountId, command.amount(), command.transferId()));
        return balance;
    }

    @CommandHandler
    long handle(Withdraw command) {
        requireOpen("withdraw");
        if (command.transferId() != null && transferSteps.contains("withdrawn:" + command.transferId())) {
            return balance;
        }
        long available = balance + overdraftLimit;
        if (command.amount() > available) {
            throw new InsufficientFunds(accountId, available, command.amount());
        }
        apply(new MoneyWithdrawn(accountId, command.amount(), command.transferId()));
        return balance;
    }

    @CommandHandler
    void handle(CloseAccount command) {
        if (closed) {
            return;
        }
        if (balance != 0) {
            throw new IllegalStateException("account " + accountId + " cannot be closed: balance is " + balance
                    + ", it must be 0");
        }
        apply(new AccountClosed(accountId));
    }

    private void requireOpen(String what) {
        if (closed) {
            throw new IllegalStateException("account " + accountId + " is closed: cannot " + what);
        }
    }

    @EventSourcingHandler
    void on(AccountOpened event) {
        accountId = event.accountId();
        owner = event.owner();
        overdraftLimit = event.overdraftLimit();
    }

    @EventSourcingHandler
    void on(MoneyDeposited event) {
        balance += event.amount();
        if (event.transferId() != null) {
            transferSteps.add("deposited:" + event.transferId());
        }
    }

    @EventSourcingHandler
    void on(MoneyWithdrawn event) {
        balance -= event.amount();
        if (event.transferId() != null) {
            transferSteps.add("withdrawn:" + event.transferId());
        }
    }

    @EventSourcingHandler
    void on(AccountClosed event) {
        closed = true;
    }

    public String accountId() { return accountId; }
    public String owner() { return owner; }
    public long overdraftLimit() { return overdraftLimit; }
    public long balance() { return balance; }
    public boolean closed() { return closed; }
}
