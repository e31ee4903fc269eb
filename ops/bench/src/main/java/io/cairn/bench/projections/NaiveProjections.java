package io.cairn.bench.projections;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;

import io.cairn.projections.JpaProjection;
import io.cairn.projections.ProjectionEvent;
import io.cairn.projections.bank.BankEvents;

/**
 * What a projection written the obvious way does: per event, find the entity, change it (or persist a new one) and
 * commit. Run by the runtime with batch size 1, so each event is one transaction (with its offset).
 */
final class NaiveProjections {
    private NaiveProjections() {
    }

    static final class Balances implements JpaProjection {
        @Override public String name() { return "naive_balances"; }
        @Override public List<String> topics() { return List.of(BankEvents.ACCOUNTS); }
        @Override public List<String> tables() { return List.of("naive_balances"); }
        @Override public List<Class<?>> entities() { return List.of(BalanceEntity.class); }

        @Override
        public void createTables(Connection c) throws SQLException {
            c.createStatement().execute("CREATE TABLE naive_balances (account_id text PRIMARY KEY, balance bigint NOT NULL)");
        }

        @Override
        public void handle(ProjectionEvent e, EntityManager em) {
            if (!BankEvents.MONEY_DEPOSITED.equals(e.type())) {
                return;
            }
            String id = e.text("accountId");
            BalanceEntity b = em.find(BalanceEntity.class, id);
            if (b == null) {
                b = new BalanceEntity(id);
                em.persist(b);
            }
            b.balance += e.longValue("amount");
        }
    }

    static final class Days implements JpaProjection {
        @Override public String name() { return "naive_days"; }
        @Override public List<String> topics() { return List.of(BankEvents.ACCOUNTS); }
        @Override public List<String> tables() { return List.of("naive_days"); }
        @Override public List<Class<?>> entities() { return List.of(DayEntity.class); }

        @Override
        public void createTables(Connection c) throws SQLException {
            c.createStatement().execute("CREATE TABLE naive_days (day date PRIMARY KEY, deposits bigint NOT NULL, deposited bigint NOT NULL)");
        }

        @Override
        public void handle(ProjectionEvent e, EntityManager em) {
            if (!BankEvents.MONEY_DEPOSITED.equals(e.type())) {
                return;
            }
            LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(e.timestamp()), ZoneOffset.UTC);
            // The day's row is shared by every partition's worker: without the lock, concurrent find-change-commit
            // loops lose updates (seen here: half the sum missing). A first insert racing another fails once (unique
            // key) and succeeds on the runtime's retry.
            DayEntity d = em.find(DayEntity.class, day, LockModeType.PESSIMISTIC_WRITE);
            if (d == null) {
                d = new DayEntity(day);
                em.persist(d);
            }
            d.deposits++;
            d.deposited += e.longValue("amount");
        }
    }
}
