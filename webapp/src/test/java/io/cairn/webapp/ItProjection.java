package io.cairn.webapp;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.cairn.projections.BatchProjection;
import io.cairn.projections.ProjectionEvent;

/**
 * A projection added to the WAR by {@link ProjectionsApiIT} only (a CDI bean implementing Projection, as users add
 * theirs): it records the events of its own topic and fails on type {@code Poison}, so dead letters can be made
 * without writing bad events into the bank's topics, whose SDK processors would retry them forever.
 */
@ApplicationScoped
public class ItProjection implements BatchProjection {
    static final String TOPIC = "proj-it-events";

    @Override
    public String name() {
        return "it_events";
    }

    @Override
    public List<String> topics() {
        return List.of(TOPIC);
    }

    @Override
    public List<String> tables() {
        return List.of("it_events");
    }

    @Override
    public void createTables(Connection c) throws SQLException {
        try (var st = c.createStatement()) {
            st.execute("CREATE TABLE it_events (event_offset bigint PRIMARY KEY, type text)");
        }
    }

    @Override
    public void apply(List<ProjectionEvent> events, Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO it_events VALUES (?, ?)")) {
            for (ProjectionEvent e : events) {
                if ("Poison".equals(e.type())) {
                    throw new IllegalArgumentException("cannot digest " + e);
                }
                ps.setLong(1, e.offset());
                ps.setString(2, e.type());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
