package io.cairn.bench.projections;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Utils;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.store.EventHeaders;
import io.cairn.projections.BatchProjection;
import io.cairn.projections.Projection;
import io.cairn.projections.ProjectionConfig;
import io.cairn.projections.ProjectionEvent;
import io.cairn.projections.ProjectionRuntime;
import io.cairn.projections.ProjectionStatus;
import io.cairn.projections.bank.AccountBalancesProjection;
import io.cairn.projections.bank.BankEvents;
import io.cairn.projections.bank.DailyTotalsProjection;

/**
 * Events per second applied into PostgreSQL, side by side: a simple view (one row per account: one upsert per event)
 * and an aggregating view (one row per day), each built by
 * <ol>
 *   <li>the runtime's batch JDBC path, coalescing a batch's events per row ({@link AccountBalancesProjection},
 *       {@link DailyTotalsProjection});</li>
 *   <li>the runtime with one upsert per event, JDBC-batched (simple view only: what plain JDBC batching gives);</li>
 *   <li>a naive JPA projection: find, change, commit, one transaction per event (run on fewer events: it is slow);</li>
 *   <li>the raw limit: the same events' rows loaded with COPY into a staging table, then merged with one
 *       {@code INSERT ... SELECT ... GROUP BY ... ON CONFLICT} (no log, no offsets, no JSON).</li>
 * </ol>
 * Each run checks the rows it wrote (row count and sum). Everything goes to the database {@code proj_bench} on the
 * local PostgreSQL (dropped and re-created), whose durability settings are the service's (fsync on).
 */
public final class ProjectionBench {
    private static final String ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres";

    private int events = 1_000_000;
    private int naiveEvents = 10_000;
    private int accounts = 10_000;
    private int partitions = 4;
    private int workers = 2;
    private int batchSize = 20_000;
    private String db = "proj_bench";
    private Path work = Path.of("ops/bench/target/projections");

    public static void main(String[] args) throws Exception {
        ProjectionBench b = new ProjectionBench();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--events" -> b.events = Integer.parseInt(args[++i]);
                case "--naive-events" -> b.naiveEvents = Integer.parseInt(args[++i]);
                case "--accounts" -> b.accounts = Integer.parseInt(args[++i]);
                case "--partitions" -> b.partitions = Integer.parseInt(args[++i]);
                case "--workers" -> b.workers = Integer.parseInt(args[++i]);
                case "--batch" -> b.batchSize = Integer.parseInt(args[++i]);
                case "--db" -> b.db = args[++i];
                case "--work" -> b.work = Path.of(args[++i]);
                case "--quick" -> {
                    b.events = 200_000;
                    b.naiveEvents = 3_000;
                }
                default -> {
                    System.out.println("""
                            ops/bench/run projections [--quick] [--events N (1000000)] [--naive-events N (10000)]
                              [--accounts N (10000)] [--partitions N (4)] [--workers N (2)] [--batch N (20000)]
                              [--db NAME (proj_bench, dropped and re-created)] [--work DIR]""");
                    System.exit(args[i].equals("--help") ? 0 : 2);
                }
            }
        }
        b.run();
    }

    /** Deposits spread over the accounts, as the SDK writes them; the totals to check views against. */
    private record Data(LogEngine engine, long total, long amountSum, int accountsTouched, List<String[]> rows) {
    }

    private Data generate(Path dir, int n) throws Exception {
        deleteTree(dir);
        LogEngine engine = LogEngine.open(LogEngineConfig.builder(dir).build());
        engine.createTopic(BankEvents.ACCOUNTS, partitions, Map.of("flush.messages", "1000000", "segment.bytes", "1073741824"));
        Random rnd = new Random(1);
        List<List<SimpleRecord>> pending = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            pending.add(new ArrayList<>());
        }
        Header[] hs = {new RecordHeader(EventHeaders.EVENT_TYPE, BankEvents.MONEY_DEPOSITED.getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(EventHeaders.AGGREGATE_TYPE, "Account".getBytes(StandardCharsets.UTF_8))};
        long sum = 0;
        boolean[] touched = new boolean[accounts];
        List<String[]> rows = new ArrayList<>(n);
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            int a = rnd.nextInt(accounts);
            touched[a] = true;
            String id = "acc-" + a;
            long amount = 1 + rnd.nextInt(10_000);
            sum += amount;
            byte[] key = id.getBytes(StandardCharsets.UTF_8);
            int p = Utils.toPositive(Utils.murmur2(key)) % partitions;
            String json = "{\"accountId\":\"" + id + "\",\"amount\":" + amount + ",\"transferId\":null}";
            pending.get(p).add(new SimpleRecord(now, key, json.getBytes(StandardCharsets.UTF_8), hs));
            rows.add(new String[] {id, Long.toString(amount)});
            if (pending.get(p).size() == 500) {
                flush(engine, p, pending.get(p));
            }
        }
        for (int p = 0; p < partitions; p++) {
            if (!pending.get(p).isEmpty()) {
                flush(engine, p, pending.get(p));
            }
        }
        engine.flushAll();
        int t = 0;
        for (boolean b : touched) {
            t += b ? 1 : 0;
        }
        return new Data(engine, n, sum, t, rows);
    }

    private static void flush(LogEngine engine, int p, List<SimpleRecord> records) {
        engine.partition(BankEvents.ACCOUNTS, p).append(MemoryRecords.withRecords(Compression.NONE,
                records.toArray(new SimpleRecord[0])));
        records.clear();
    }

    private void run() throws Exception {
        try (Connection c = DriverManager.getConnection(ADMIN, "postgres", null); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            st.execute("CREATE DATABASE " + db);
        }
        String url = "jdbc:postgresql://127.0.0.1:5432/" + db;
        System.out.printf("Projections into PostgreSQL: %,d deposit events over %,d accounts, %d partitions, %d workers, batch %d%n",
                events, accounts, partitions, workers, batchSize);
        Data big = generate(work.resolve("log"), events);
        Data small = generate(work.resolve("log-naive"), naiveEvents);
        double[][] r = new double[2][4];
        try (PgPool pool = new PgPool(url, workers + 2)) {
            // JIT warm-up (not counted), then the runtime's own ceiling: read, parse, offsets, no view rows to speak of.
            runtime(big, pool, new ParseOnly(), "warmup", "noop", "count(*), sum(n)", 1, batchSize);
            runtime(big, pool, new ParseOnly(), "runtime_noop", "noop", "count(*), sum(n)", 1, batchSize);
            r[0][0] = runtime(big, pool, new AccountBalancesProjection(), "runtime_simple", "account_balances",
                    "count(*), sum(balance)", big.accountsTouched(), batchSize);
            r[0][1] = runtime(big, pool, new PerEventUpsert(), "runtime_plain", "plain_balances",
                    "count(*), sum(balance)", big.accountsTouched(), batchSize);
            r[0][2] = runtime(small, pool, new NaiveProjections.Balances(), "naive_simple", "naive_balances",
                    "count(*), sum(balance)", small.accountsTouched(), 1);
            r[0][3] = rawSimple(big, pool);
            r[1][0] = runtime(big, pool, new DailyTotalsProjection(), "runtime_agg", "daily_totals",
                    "count(*), sum(deposited)", -1, batchSize);
            r[1][1] = Double.NaN;
            r[1][2] = runtime(small, pool, new NaiveProjections.Days(), "naive_agg", "naive_days",
                    "count(*), sum(deposited)", -1, 1);
            r[1][3] = rawAggregate(big, pool);
        } finally {
            big.engine().close();
            small.engine().close();
            try (Connection c = DriverManager.getConnection(ADMIN, "postgres", null); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            }
        }
        System.out.println();
        System.out.printf("%-22s %22s %22s %22s %22s%n", "events/s", "runtime (coalescing)", "runtime (upsert/event)",
                "naive JPA (tx/event)", "raw COPY + merge");
        String[] names = {"simple view", "aggregating view"};
        for (int v = 0; v < 2; v++) {
            System.out.printf("%-22s %22s %22s %22s %22s%n", names[v], fmt(r[v][0]), fmt(r[v][1]), fmt(r[v][2]), fmt(r[v][3]));
        }
        System.out.printf("%nTarget: simple view >= 75,000 events/s (aim 150,000): runtime %s%n",
                r[0][0] >= 150_000 ? "MET the aim" : r[0][0] >= 75_000 ? "met the target" : "MISSED");
        System.out.printf("Naive JPA ran on %,d events (the others on %,d).%n", naiveEvents, events);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format("%,.0f", v);
    }

    /** Builds one view with the runtime from the start of the log; events/s from start to no lag. */
    private double runtime(Data d, PgPool pool, Projection p, String meta, String table, String check,
                           long expectRows, int batch) throws Exception {
        ProjectionConfig cfg = ProjectionConfig.builder().metaSchema(meta).readSchema(meta + "_v").workers(workers)
                .batchSize(batch).maxDelay(java.time.Duration.ofMillis(5)).build();
        long t0;
        long t1;
        try (ProjectionRuntime rt = new ProjectionRuntime(d.engine(), pool, cfg)) {
            rt.register(p);
            t0 = System.nanoTime();
            rt.start();
            while (true) {
                ProjectionStatus s = rt.status(p.name());
                if (!s.partitions().isEmpty() && s.lag() == 0) {
                    break;
                }
                if (s.lastError() != null && s.lastError().contains("poison")) {
                    throw new IllegalStateException(s.lastError());
                }
                Thread.sleep(2);
            }
            t1 = System.nanoTime();
        }
        verify(pool, meta + "_v." + table, check, expectRows, d);
        double rate = d.total() * 1e9 / (t1 - t0);
        System.out.printf("  %-40s %,12d events in %7.2f s: %,10.0f events/s%n", p.name() + " (" + meta + ")",
                d.total(), (t1 - t0) / 1e9, rate);
        return rate;
    }

    private static void verify(PgPool pool, String table, String check, long expectRows, Data d) throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT " + check + " FROM " + table)) {
            rs.next();
            long rows = rs.getLong(1);
            long sum = rs.getLong(2);
            if ((expectRows >= 0 && rows != expectRows) || sum != d.amountSum()) {
                throw new IllegalStateException(table + ": " + rows + " rows, sum " + sum + "; expected "
                        + (expectRows >= 0 ? expectRows : "any") + " rows, sum " + d.amountSum());
            }
        }
    }

    /** COPY the events' rows into a staging table, then merge them into the view: one statement each. */
    private double rawSimple(Data d, PgPool pool) throws Exception {
        return raw(d, pool, "raw_balances", "CREATE TABLE raw_balances (account_id text PRIMARY KEY, balance bigint NOT NULL)",
                "CREATE TEMP TABLE staging (account_id text, amount bigint)", r -> r[0] + "," + r[1],
                "INSERT INTO raw_balances AS t SELECT account_id, sum(amount) FROM staging GROUP BY account_id "
                        + "ON CONFLICT (account_id) DO UPDATE SET balance = t.balance + EXCLUDED.balance",
                "count(*), sum(balance)", d.accountsTouched());
    }

    private double rawAggregate(Data d, PgPool pool) throws Exception {
        String day = LocalDate.ofInstant(Instant.now(), ZoneOffset.UTC).toString();
        return raw(d, pool, "raw_days", "CREATE TABLE raw_days (day date PRIMARY KEY, deposits bigint NOT NULL, deposited bigint NOT NULL)",
                "CREATE TEMP TABLE staging (day date, amount bigint)", r -> day + "," + r[1],
                "INSERT INTO raw_days AS t SELECT day, count(*), sum(amount) FROM staging GROUP BY day "
                        + "ON CONFLICT (day) DO UPDATE SET deposits = t.deposits + EXCLUDED.deposits, deposited = t.deposited + EXCLUDED.deposited",
                "count(*), sum(deposited)", -1);
    }

    private interface Line {
        String of(String[] row);
    }

    private double raw(Data d, PgPool pool, String table, String ddl, String staging, Line line, String merge,
                       String check, long expectRows) throws Exception {
        StringBuilder csv = new StringBuilder();
        for (String[] r : d.rows()) {
            csv.append(line.of(r)).append('\n');
        }
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        long t0;
        long t1;
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute(ddl);
            t0 = System.nanoTime();
            c.setAutoCommit(false);
            st.execute(staging);
            new CopyManager(c.unwrap(BaseConnection.class)).copyIn("COPY staging FROM STDIN WITH (FORMAT csv)",
                    new ByteArrayInputStream(bytes));
            st.execute(merge);
            st.execute("DROP TABLE staging");
            c.commit();
            c.setAutoCommit(true);
            t1 = System.nanoTime();
        }
        verify(pool, table, check, expectRows, d);
        double rate = d.total() * 1e9 / (t1 - t0);
        System.out.printf("  %-40s %,12d events in %7.2f s: %,10.0f events/s%n", table + " (COPY + merge)", d.total(),
                (t1 - t0) / 1e9, rate);
        return rate;
    }

    /** The simple view with one upsert per event (JDBC-batched, no coalescing): the plain-batching baseline. */
    static final class PerEventUpsert implements BatchProjection {
        @Override public String name() { return "plain_balances"; }
        @Override public List<String> topics() { return List.of(BankEvents.ACCOUNTS); }
        @Override public List<String> tables() { return List.of("plain_balances"); }

        @Override
        public void createTables(Connection c) throws SQLException {
            c.createStatement().execute("CREATE TABLE plain_balances (account_id text PRIMARY KEY, balance bigint NOT NULL)");
        }

        @Override
        public void apply(List<ProjectionEvent> events, Connection c) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO plain_balances AS t VALUES (?, ?) "
                    + "ON CONFLICT (account_id) DO UPDATE SET balance = t.balance + EXCLUDED.balance")) {
                for (ProjectionEvent e : events) {
                    if (BankEvents.MONEY_DEPOSITED.equals(e.type())) {
                        ps.setString(1, e.text("accountId"));
                        ps.setLong(2, e.longValue("amount"));
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
        }
    }

    /** Diagnostic: the runtime reading, parsing and committing offsets, writing one row per batch (its ceiling). */
    static final class ParseOnly implements BatchProjection {
        @Override public String name() { return "noop"; }
        @Override public List<String> topics() { return List.of(BankEvents.ACCOUNTS); }
        @Override public List<String> tables() { return List.of("noop"); }

        @Override
        public void createTables(Connection c) throws SQLException {
            c.createStatement().execute("CREATE TABLE noop (id int PRIMARY KEY, n bigint NOT NULL)");
        }

        @Override
        public void apply(List<ProjectionEvent> events, Connection c) throws SQLException {
            long sum = 0;
            for (ProjectionEvent e : events) {
                e.text("accountId");
                sum += e.longValue("amount");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO noop AS t VALUES (1, ?) "
                    + "ON CONFLICT (id) DO UPDATE SET n = t.n + EXCLUDED.n")) {
                ps.setLong(1, sum);
                ps.executeUpdate();
            }
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
