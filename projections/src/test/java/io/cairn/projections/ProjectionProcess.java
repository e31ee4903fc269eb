package io.cairn.projections;

import java.nio.file.Path;
import java.time.Duration;

import org.postgresql.ds.PGSimpleDataSource;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.projections.bank.BankProjections;

/**
 * A projection runtime in a JVM of its own, for the test that kills it with SIGKILL:
 * {@code ProjectionProcess <log dir> <database> <meta schema> <read schema>}. Runs until killed.
 */
public final class ProjectionProcess {
    private ProjectionProcess() {
    }

    public static void main(String[] args) throws Exception {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl("jdbc:postgresql://127.0.0.1:5432/" + args[1]);
        ds.setUser("postgres");
        LogEngine engine = LogEngine.open(LogEngineConfig.builder(Path.of(args[0])).build());
        ProjectionRuntime rt = new ProjectionRuntime(engine, ds, ProjectionConfig.builder().metaSchema(args[2])
                .readSchema(args[3]).batchSize(50).workers(2).maxDelay(Duration.ofMillis(1)).build());
        rt.register(new SeenProjection("seen"));
        for (Projection p : BankProjections.all()) {
            rt.register(p);
        }
        rt.start();
        System.out.println("STARTED");
        Thread.sleep(Long.MAX_VALUE);
    }
}
