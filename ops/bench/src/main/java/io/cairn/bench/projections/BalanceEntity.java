package io.cairn.bench.projections;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A row of the naive JPA loop's balance view: found and updated (or created) once per event. */
@Entity
@Table(name = "naive_balances")
public class BalanceEntity {
    @Id
    @Column(name = "account_id")
    String accountId;

    @Column(name = "balance", nullable = false)
    long balance;

    protected BalanceEntity() {
    }

    BalanceEntity(String accountId) {
        this.accountId = accountId;
    }
}
