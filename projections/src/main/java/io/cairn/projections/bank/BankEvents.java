package io.cairn.projections.bank;

/**
 * The example bank domain's events, as the SDK writes them (the contract with the domain-sdk example): JSON values,
 * the type in the {@code cairn-event-type} header, amounts in minor units (long).
 * <pre>
 * topic bank-accounts, key accountId:
 *   AccountOpened{accountId, owner, overdraftLimit}   MoneyDeposited{accountId, amount, transferId}
 *   MoneyWithdrawn{accountId, amount, transferId}     AccountClosed{accountId}
 * topic bank-transfers, key transferId:
 *   TransferRequested{transferId, fromAccount, toAccount, amount}   TransferCompleted{transferId}
 *   TransferFailed{transferId, reason}
 * </pre>
 * {@code transferId} of deposits and withdrawals may be null (cash).
 */
public final class BankEvents {
    public static final String ACCOUNTS = "bank-accounts";
    public static final String TRANSFERS = "bank-transfers";

    public static final String ACCOUNT_OPENED = "AccountOpened";
    public static final String MONEY_DEPOSITED = "MoneyDeposited";
    public static final String MONEY_WITHDRAWN = "MoneyWithdrawn";
    public static final String ACCOUNT_CLOSED = "AccountClosed";
    public static final String TRANSFER_REQUESTED = "TransferRequested";
    public static final String TRANSFER_COMPLETED = "TransferCompleted";
    public static final String TRANSFER_FAILED = "TransferFailed";

    private BankEvents() {
    }
}
