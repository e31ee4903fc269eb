package io.cairn.projections;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.projections.bank.BankEvents;

/**
 * A test projection that records every event it applies in {@code seen} (no key, so a double apply shows as a
 * duplicate row). Events of type {@code Poison} fail while {@link #broken} is set; {@link #blockAtBatch} makes one
 * batch stop half-way (after writing half its rows) until released, to kill a worker mid-batch.
 */
final class SeenProjection implements BatchProjection {
    static final String POISON = "Poison";
    private final String name;
    volatile boolean broken = true;
    final AtomicInteger batches = new AtomicInteger();
    volatile int blockAtBatch = -1;
    final CountDownLatch midBatch = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    SeenProjection(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> topics() {
        return List.of(BankEvents.ACCOUNTS, BankEvents.TRANSFERS);
    }

    @Override
    public List<String> tables() {
        return List.of("seen");
    }

    @Override
    public void createTables(Connection c) throws SQLException {
        Sql.exec(c, "CREATE TABLE seen (topic text NOT NULL, partition int NOT NULL, event_offset bigint NOT NULL, type text)");
        Sql.exec(c, "COMMENT ON TABLE seen IS 'test: every event applied'");
    }

    @Override
    public void apply(List<ProjectionEvent> events, Connection c) throws SQLException {
        int batch = batches.incrementAndGet();
        int half = events.size() / 2;
        insert(events.subList(0, half), c);
        if (batch == blockAtBatch) {
            midBatch.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        insert(events.subList(half, events.size()), c);
    }

    private void insert(List<ProjectionEvent> events, Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO seen VALUES (?, ?, ?, ?)")) {
            for (ProjectionEvent e : events) {
                if (broken && POISON.equals(e.type())) {
                    throw new IllegalArgumentException("cannot digest " + e);
                }
                ps.setString(1, e.topic());
                ps.setInt(2, e.partition());
                ps.setLong(3, e.offset());
                ps.setString(4, e.type());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
