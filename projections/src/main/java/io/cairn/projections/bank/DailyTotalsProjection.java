package io.cairn.projections.bank;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.cairn.projections.BatchProjection;
import io.cairn.projections.ProjectionEvent;

/**
 * {@code daily_totals}: one row per UTC day (of the event's log time) with counts and sums of the bank's events, the
 * aggregating view. Every partition of both topics adds to the same few rows, so a batch is folded per day first, and
 * days are written in ascending order: two workers then lock rows in the same order and cannot deadlock.
 */
public final class DailyTotalsProjection implements BatchProjection {
    public static final String NAME = "daily_totals";
    private static final String[] COLUMNS = {"accounts_opened", "accounts_closed", "deposits", "deposited",
            "withdrawals", "withdrawn", "transfers_requested", "transfers_requested_amount", "transfers_completed",
            "transfers_failed"};

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> topics() {
        return List.of(BankEvents.ACCOUNTS, BankEvents.TRANSFERS);
    }

    @Override
    public List<String> tables() {
        return List.of(NAME);
    }

    @Override
    public void createTables(Connection c) throws SQLException {
        StringBuilder ddl = new StringBuilder("CREATE TABLE daily_totals (day date PRIMARY KEY");
        for (String col : COLUMNS) {
            ddl.append(", ").append(col).append(" bigint NOT NULL DEFAULT 0");
        }
        ddl.append(')');
        String[][] comments = {
                {"day", "UTC day of the events (their log time)"},
                {"accounts_opened", "AccountOpened events"}, {"accounts_closed", "AccountClosed events"},
                {"deposits", "MoneyDeposited events"}, {"deposited", "Sum of deposited amounts, minor units"},
                {"withdrawals", "MoneyWithdrawn events"}, {"withdrawn", "Sum of withdrawn amounts, minor units"},
                {"transfers_requested", "TransferRequested events"},
                {"transfers_requested_amount", "Sum of requested transfer amounts, minor units"},
                {"transfers_completed", "TransferCompleted events"}, {"transfers_failed", "TransferFailed events"}};
        try (var st = c.createStatement()) {
            st.execute(ddl.toString());
            st.execute("COMMENT ON TABLE daily_totals IS 'Bank example: per UTC day, counts and sums of account and "
                    + "transfer events (topics bank-accounts, bank-transfers). Amounts in minor units (cents).'");
            for (String[] cm : comments) {
                st.execute("COMMENT ON COLUMN daily_totals." + cm[0] + " IS '" + cm[1] + "'");
            }
        }
    }

    @Override
    public void apply(List<ProjectionEvent> events, Connection c) throws SQLException {
        Map<LocalDate, long[]> days = new TreeMap<>();
        for (ProjectionEvent e : events) {
            String type = e.type();
            int col;
            long amount = 0;
            if (type == null) {
                continue;
            }
            switch (type) {
                case BankEvents.ACCOUNT_OPENED -> col = 0;
                case BankEvents.ACCOUNT_CLOSED -> col = 1;
                case BankEvents.MONEY_DEPOSITED -> { col = 2; amount = e.longValue("amount"); }
                case BankEvents.MONEY_WITHDRAWN -> { col = 4; amount = e.longValue("amount"); }
                case BankEvents.TRANSFER_REQUESTED -> { col = 6; amount = e.longValue("amount"); }
                case BankEvents.TRANSFER_COMPLETED -> col = 8;
                case BankEvents.TRANSFER_FAILED -> col = 9;
                default -> {
                    continue;
                }
            }
            long[] row = days.computeIfAbsent(LocalDate.ofInstant(Instant.ofEpochMilli(e.timestamp()), ZoneOffset.UTC),
                    d -> new long[COLUMNS.length]);
            row[col]++;
            if (col == 2 || col == 4 || col == 6) {
                row[col + 1] = Math.addExact(row[col + 1], amount);
            }
        }
        if (days.isEmpty()) {
            return;
        }
        StringBuilder sql = new StringBuilder("INSERT INTO daily_totals AS t (day");
        for (String col : COLUMNS) {
            sql.append(", ").append(col);
        }
        sql.append(") VALUES (?");
        sql.append(", ?".repeat(COLUMNS.length));
        sql.append(") ON CONFLICT (day) DO UPDATE SET ");
        for (int i = 0; i < COLUMNS.length; i++) {
            sql.append(i == 0 ? "" : ", ").append(COLUMNS[i]).append(" = t.").append(COLUMNS[i])
                    .append(" + EXCLUDED.").append(COLUMNS[i]);
        }
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (Map.Entry<LocalDate, long[]> d : days.entrySet()) {
                ps.setObject(1, d.getKey());
                for (int i = 0; i < COLUMNS.length; i++) {
                    ps.setLong(i + 2, d.getValue()[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
