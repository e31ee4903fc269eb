package io.cairn.bench.projections;

import java.time.LocalDate;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A row of the naive JPA loop's aggregating view: one per day, counted and summed once per event. */
@Entity
@Table(name = "naive_days")
public class DayEntity {
    @Id
    @Column(name = "day")
    LocalDate day;

    @Column(name = "deposits", nullable = false)
    long deposits;

    @Column(name = "deposited", nullable = false)
    long deposited;

    protected DayEntity() {
    }

    DayEntity(LocalDate day) {
        this.day = day;
    }
}
