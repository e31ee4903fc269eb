package io.cairn.projections;

import java.util.List;

import jakarta.persistence.EntityManager;

/**
 * A projection whose handler writes Jakarta Persistence entities. The runtime opens one entity transaction per batch,
 * calls {@link #handle} for each event in order, flushes, writes the offsets on the same connection and commits.
 * The entities' tables are unqualified: they resolve in the generation schema (the runtime sets {@code search_path}).
 *
 * <p>Contract: {@code handle} must not begin, commit or roll back the transaction.
 */
public interface JpaProjection extends Projection {
    /** The entity classes the handler uses. */
    List<Class<?>> entities();

    void handle(ProjectionEvent event, EntityManager em);
}
