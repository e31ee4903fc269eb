package io.cairn.projections;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * A projection that applies a whole batch of events through JDBC: the high-volume path. The runtime calls
 * {@link #apply} inside a transaction it commits together with the batch's offsets; the implementation may coalesce
 * several events for the same row into one write.
 *
 * <p>Contract: {@code apply} must not commit, roll back or change auto-commit; it may be called again with the same
 * events (after a rollback) and, to locate a poison event, with single events of a batch that failed.
 */
public interface BatchProjection extends Projection {
    void apply(List<ProjectionEvent> events, Connection c) throws SQLException;
}
