package io.cairn.projections;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

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
            return new Jpa(j, JpaUnits.create(j, ds));
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
     */
    private static final class Jpa extends Applier {
        private final JpaProjection projection;
        private final EntityManagerFactory emf;

        Jpa(JpaProjection projection, EntityManagerFactory emf) {
            this.projection = projection;
            this.emf = emf;
        }

        @Override
        void apply(List<ProjectionEvent> events, String schema, BeforeCommit beforeCommit) throws SQLException {
            EntityManager em = emf.createEntityManager();
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
        public void close() {
            emf.close();
        }
    }
}
