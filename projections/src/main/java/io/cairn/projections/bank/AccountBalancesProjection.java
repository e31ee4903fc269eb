package io.cairn.projections.bank;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cairn.projections.BatchProjection;
import io.cairn.projections.ProjectionEvent;

/**
 * {@code account_balances}: one row per account with its balance, the simple view. The high-volume path: the events
 * of a batch are first folded per account (several deposits to one account become one delta), then written with one
 * multi-row upsert whose rows travel as column arrays ({@code INSERT ... SELECT FROM unnest(...) ON CONFLICT DO
 * UPDATE}), which costs one round trip per batch rather than one per event (docs/projections.md, "Throughput").
 */
public final class AccountBalancesProjection implements BatchProjection {
    public static final String NAME = "account_balances";

    /** The folded effect of a batch's events on one account. */
    private static final class Delta {
        String owner;
        Long overdraftLimit;
        long balance;
        long deposits;
        long withdrawals;
        boolean closed;
        Long openedAt;
        long updatedAt;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> topics() {
        return List.of(BankEvents.ACCOUNTS);
    }

    @Override
    public List<String> tables() {
        return List.of(NAME);
    }

    @Override
    public void createTables(Connection c) throws SQLException {
        try (var st = c.createStatement()) {
            st.execute("CREATE TABLE account_balances (account_id text PRIMARY KEY, owner text, overdraft_limit bigint, "
                    + "balance bigint NOT NULL DEFAULT 0, deposits bigint NOT NULL DEFAULT 0, "
                    + "withdrawals bigint NOT NULL DEFAULT 0, closed boolean NOT NULL DEFAULT false, "
                    + "opened_at timestamptz, updated_at timestamptz NOT NULL)");
            st.execute("COMMENT ON TABLE account_balances IS 'Bank example: one row per account with its current balance "
                    + "(topic bank-accounts). Amounts in minor units (cents).'");
            st.execute("COMMENT ON COLUMN account_balances.account_id IS 'The account (AccountOpened.accountId)'");
            st.execute("COMMENT ON COLUMN account_balances.owner IS 'Owner named when the account was opened'");
            st.execute("COMMENT ON COLUMN account_balances.overdraft_limit IS 'How far below zero the balance may go, minor units'");
            st.execute("COMMENT ON COLUMN account_balances.balance IS 'Deposits minus withdrawals, minor units'");
            st.execute("COMMENT ON COLUMN account_balances.deposits IS 'Number of MoneyDeposited events'");
            st.execute("COMMENT ON COLUMN account_balances.withdrawals IS 'Number of MoneyWithdrawn events'");
            st.execute("COMMENT ON COLUMN account_balances.closed IS 'True once AccountClosed'");
            st.execute("COMMENT ON COLUMN account_balances.opened_at IS 'When the account was opened (event time)'");
            st.execute("COMMENT ON COLUMN account_balances.updated_at IS 'Time of the latest event applied to the account'");
        }
    }

    @Override
    public void apply(List<ProjectionEvent> events, Connection c) throws SQLException {
        Map<String, Delta> rows = new LinkedHashMap<>();
        for (ProjectionEvent e : events) {
            String type = e.type();
            if (type == null) {
                continue;
            }
            Delta d;
            switch (type) {
                case BankEvents.ACCOUNT_OPENED -> {
                    d = rows.computeIfAbsent(e.text("accountId"), k -> new Delta());
                    d.owner = e.textOrNull("owner");
                    d.overdraftLimit = e.longValue("overdraftLimit");
                    d.openedAt = e.timestamp();
                }
                case BankEvents.MONEY_DEPOSITED -> {
                    d = rows.computeIfAbsent(e.text("accountId"), k -> new Delta());
                    d.balance = Math.addExact(d.balance, e.longValue("amount"));
                    d.deposits++;
                }
                case BankEvents.MONEY_WITHDRAWN -> {
                    d = rows.computeIfAbsent(e.text("accountId"), k -> new Delta());
                    d.balance = Math.subtractExact(d.balance, e.longValue("amount"));
                    d.withdrawals++;
                }
                case BankEvents.ACCOUNT_CLOSED -> {
                    d = rows.computeIfAbsent(e.text("accountId"), k -> new Delta());
                    d.closed = true;
                }
                default -> {
                    continue; // other event types of the topic do not change balances
                }
            }
            d.updatedAt = Math.max(d.updatedAt, e.timestamp());
        }
        if (rows.isEmpty()) {
            return;
        }
        int n = rows.size();
        String[] ids = new String[n];
        String[] owners = new String[n];
        Long[] limits = new Long[n];
        Long[] balances = new Long[n];
        Long[] deposits = new Long[n];
        Long[] withdrawals = new Long[n];
        Boolean[] closed = new Boolean[n];
        Long[] opened = new Long[n];
        Long[] updated = new Long[n];
        int i = 0;
        for (Map.Entry<String, Delta> r : rows.entrySet()) {
            Delta d = r.getValue();
            ids[i] = r.getKey();
            owners[i] = d.owner;
            limits[i] = d.overdraftLimit;
            balances[i] = d.balance;
            deposits[i] = d.deposits;
            withdrawals[i] = d.withdrawals;
            closed[i] = d.closed;
            opened[i] = d.openedAt;
            updated[i] = d.updatedAt;
            i++;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO account_balances AS t (account_id, owner, "
                + "overdraft_limit, balance, deposits, withdrawals, closed, opened_at, updated_at) "
                + "SELECT id, owner, lim, bal, dep, wd, cl, to_timestamp(op / 1000.0), to_timestamp(up / 1000.0) "
                + "FROM unnest(?::text[], ?::text[], ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::bool[], ?::int8[], ?::int8[]) "
                + "AS u(id, owner, lim, bal, dep, wd, cl, op, up) "
                + "ON CONFLICT (account_id) DO UPDATE SET owner = COALESCE(EXCLUDED.owner, t.owner), "
                + "overdraft_limit = COALESCE(EXCLUDED.overdraft_limit, t.overdraft_limit), "
                + "balance = t.balance + EXCLUDED.balance, deposits = t.deposits + EXCLUDED.deposits, "
                + "withdrawals = t.withdrawals + EXCLUDED.withdrawals, closed = t.closed OR EXCLUDED.closed, "
                + "opened_at = COALESCE(t.opened_at, EXCLUDED.opened_at), "
                + "updated_at = GREATEST(t.updated_at, EXCLUDED.updated_at)")) {
            ps.setArray(1, c.createArrayOf("text", ids));
            ps.setArray(2, c.createArrayOf("text", owners));
            ps.setArray(3, c.createArrayOf("int8", limits));
            ps.setArray(4, c.createArrayOf("int8", balances));
            ps.setArray(5, c.createArrayOf("int8", deposits));
            ps.setArray(6, c.createArrayOf("int8", withdrawals));
            ps.setArray(7, c.createArrayOf("bool", closed));
            ps.setArray(8, c.createArrayOf("int8", opened));
            ps.setArray(9, c.createArrayOf("int8", updated));
            ps.executeUpdate();
        }
    }
}
