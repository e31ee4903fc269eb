package io.cairn.projections.bank;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import jakarta.persistence.EntityManager;

import io.cairn.projections.JpaProjection;
import io.cairn.projections.ProjectionEvent;

/**
 * {@code transaction_history}: every deposit and withdrawal, one row each, written as Jakarta Persistence entities
 * ({@link TransactionEntry}). The entity's id is the event's place in the log, so a row can never be written twice.
 */
public final class TransactionHistoryProjection implements JpaProjection {
    public static final String NAME = "transaction_history";

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
    public List<Class<?>> entities() {
        return List.of(TransactionEntry.class);
    }

    @Override
    public void createTables(Connection c) throws SQLException {
        try (var st = c.createStatement()) {
            st.execute("CREATE TABLE transaction_history (event_id text PRIMARY KEY, account_id text NOT NULL, "
                    + "kind text NOT NULL CHECK (kind IN ('deposit', 'withdrawal')), amount bigint NOT NULL, "
                    + "transfer_id text, occurred_at timestamptz NOT NULL)");
            st.execute("CREATE INDEX ON transaction_history (account_id, occurred_at)");
            st.execute("COMMENT ON TABLE transaction_history IS 'Bank example: every deposit and withdrawal "
                    + "(topic bank-accounts), one row each. Amounts in minor units (cents).'");
            st.execute("COMMENT ON COLUMN transaction_history.event_id IS 'partition-offset of the event in bank-accounts'");
            st.execute("COMMENT ON COLUMN transaction_history.account_id IS 'The account'");
            st.execute("COMMENT ON COLUMN transaction_history.kind IS 'deposit or withdrawal'");
            st.execute("COMMENT ON COLUMN transaction_history.amount IS 'Amount, minor units, always positive'");
            st.execute("COMMENT ON COLUMN transaction_history.transfer_id IS 'The transfer it belongs to, if any'");
            st.execute("COMMENT ON COLUMN transaction_history.occurred_at IS 'Event time (log time)'");
        }
    }

    @Override
    public void handle(ProjectionEvent e, EntityManager em) {
        String type = e.type();
        String kind = BankEvents.MONEY_DEPOSITED.equals(type) ? "deposit"
                : BankEvents.MONEY_WITHDRAWN.equals(type) ? "withdrawal" : null;
        if (kind == null) {
            return;
        }
        long amount = e.longValue("amount");
        if (amount <= 0) {
            throw new IllegalArgumentException(e + ": amount must be positive, was " + amount);
        }
        em.persist(new TransactionEntry(e.partition() + "-" + e.offset(), e.text("accountId"), kind, amount,
                e.textOrNull("transferId"), Instant.ofEpochMilli(e.timestamp()).atOffset(ZoneOffset.UTC)));
    }
}
