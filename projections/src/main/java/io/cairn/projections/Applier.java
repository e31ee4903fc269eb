package io.cairn.projections;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Supplier;

import javax.sql.DataSource;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;

/**
 * Runs a projection's writes for some events in one transaction whose {@code search_path} is a generation schema,
 * and lets the caller add its own writes (the offsets, a replay mark) before the commit.
 */
abstract class Applier implements AutoCloseable {
    /** The caller's writes in the same transaction, e.g. {@link MetaStore#commit}. */
    interface BeforeCommit {
        void run(Connection c) throws SQLException;
    }

    abstract void apply(List<ProjectionEvent> events, String schema, BeforeCommit beforeCommit) throws SQLException;

    /** Runs {@code work} in a transaction of its own on the generation schema. */
    static void inSchema(DataSource ds, String schema, BeforeCommit work) throws SQLException {
        Sql.inTransaction(ds, c -> {
            setSearchPath(c, schema);
            work.run(c);
            return null;
        });
    }

    static void setSearchPath(Connection c, String schema) throws SQLException {
        // SET LOCAL ends with the transaction, so a pooled connection goes back with its own search_path.
        Sql.exec(c, "SET LOCAL search_path TO " + schema);
    }

    static Applier of(Projection p, DataSource ds) {
        if (p instanceof BatchProjection b) {
            return new Jdbc(b, ds);
        }
        if (p instanceof JpaProjection j) {
            return new Jpa(j, () -> JpaUnits.create(j, ds));
        }
        throw new IllegalArgumentException(p.name() + " must implement BatchProjection or JpaProjection");
    }

    @Override
    public void close() {
    }

    /** The JDBC batch path: one connection from the pool per batch, auto-commit off. */
    private static final class Jdbc extends Applier {
        private final BatchProjection projection;
        private final DataSource ds;

        Jdbc(BatchProjection projection, DataSource ds) {
            this.projection = projection;
            this.ds = ds;
        }

        @Override
        void apply(List<ProjectionEvent> events, String schema, BeforeCommit beforeCommit) throws SQLException {
            inSchema(ds, schema, c -> {
                projection.apply(events, c);
                beforeCommit.run(c);
            });
        }
    }

    /**
     * The Jakarta Persistence path: an entity transaction per batch. The offsets go through the entity manager's own
     * JDBC connection ({@code unwrap(Connection.class)}, which EclipseLink hands out once a transaction has begun),
     * after a flush, so the entities and the offsets commit together.
     *
     * <p>The factory is replaced when it cannot make its first entity manager. EclipseLink deploys a unit on the
     * first {@code createEntityManager}, and deploying logs in to the database with two connections: when the second
     * fails after the first succeeded (the database going away at that moment), the unit stays {@code DeployFailed},
     * and every later call fails the same way until all its factories are closed. Keeping that factory would stall
     * the projection for good after a database outage. (A login refused outright leaves the unit retryable.)
     */
    private static final class Jpa extends Applier {
        private final JpaProjection projection;
        private final Supplier<EntityManagerFactory> factories;
        private EntityManagerFactory emf; // guarded by this; null until needed and after a failed one was closed
        private boolean deployed; // guarded by this: emf has made an entity manager
        private boolean closed; // guarded by this

        Jpa(JpaProjection projection, Supplier<EntityManagerFactory> factories) {
            this.projection = projection;
            this.factories = factories;
            this.emf = factories.get(); // checks the unit now (no database needed: EclipseLink deploys lazily)
        }

        private synchronized EntityManagerFactory factory() {
            if (closed) {
                throw new IllegalStateException("The entity manager factory of projection " + projection.name() + " is closed");
            }
            if (emf == null) {
                emf = factories.get();
                deployed = false;
            }
            return emf;
        }

        /**
         * Closes a factory that failed to make its first entity manager (its deployment failed); the next batch
         * builds a new one. A factory that has worked before is kept: other workers may be using it.
         */
        private synchronized void discard(EntityManagerFactory failed) {
            if (emf == failed && !deployed) {
                emf = null;
                try {
                    failed.close();
                } catch (RuntimeException ignored) {
                    // a factory whose deployment failed may refuse to close cleanly; it is dropped either way
                }
            }
        }

        private synchronized void deployed(EntityManagerFactory f) {
            if (emf == f) {
                deployed = true;
            }
        }

        @Override
        void apply(List<ProjectionEvent> events, String schema, BeforeCommit beforeCommit) throws SQLException {
            EntityManagerFactory f = factory();
            EntityManager em;
            try {
                em = f.createEntityManager();
            } catch (RuntimeException e) {
                discard(f);
                throw e;
            }
            deployed(f);
            EntityTransaction tx = em.getTransaction();
            try {
                tx.begin();
                Connection c = em.unwrap(Connection.class);
                if (c == null) {
                    throw new IllegalStateException("The persistence provider gave no JDBC connection for the transaction");
                }
                setSearchPath(c, schema);
                for (ProjectionEvent e : events) {
                    projection.handle(e, em);
                }
                em.flush();
                beforeCommit.run(c);
                tx.commit();
            } catch (SQLException | RuntimeException e) {
                if (tx.isActive()) {
                    try {
                        tx.rollback();
                    } catch (RuntimeException ignored) {
                        // connection gone: PostgreSQL rolled back
                    }
                }
                throw e;
            } finally {
                em.close();
            }
        }

        @Override
        public synchronized void close() {
            closed = true;
            if (emf != null) {
                emf.close();
                emf = null;
            }
        }
    }
}
