package io.cairn.projections.bank;

import java.util.List;

import io.cairn.projections.Projection;

/** The example bank's read models: account balances, transaction history, daily totals. */
public final class BankProjections {
    private BankProjections() {
    }

    public static List<Projection> all() {
        return List.of(new AccountBalancesProjection(), new TransactionHistoryProjection(), new DailyTotalsProjection());
    }
}
