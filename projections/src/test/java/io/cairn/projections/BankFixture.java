package io.cairn.projections;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Utils;

import io.cairn.log.LogEngine;
import io.cairn.log.LogEngineConfig;
import io.cairn.log.store.EventHeaders;
import io.cairn.projections.bank.BankEvents;

/**
 * A log engine with the bank topics, and events written the way the SDK writes them (JSON value, type header,
 * aggregate id as key, Kafka's key partitioning). Keeps the expected balances to check views against.
 */
final class BankFixture implements AutoCloseable {
    final LogEngine engine;
    final int partitions;
    final Map<String, Long> balances = new HashMap<>();
    long moneyEvents;
    private final Random random;
    private int accounts;
    private int transfers;

    BankFixture(Path dir, int partitions, long seed) {
        this(dir, partitions, seed, true);
    }

    private BankFixture(Path dir, int partitions, long seed, boolean create) {
        this.engine = LogEngine.open(LogEngineConfig.builder(dir).build());
        this.partitions = partitions;
        this.random = new Random(seed);
        if (create) {
            engine.createTopic(BankEvents.ACCOUNTS, partitions, Map.of("flush.messages", "100000"));
            engine.createTopic(BankEvents.TRANSFERS, partitions, Map.of("flush.messages", "100000"));
        }
    }

    /** The bank topics written before, in a log opened again (expectations are not kept across). */
    static BankFixture reopen(Path dir, int partitions) {
        return new BankFixture(dir, partitions, 0, false);
    }

    /** Opens {@code n} accounts, then {@code ops} random deposits, withdrawals and transfers among them. */
    void generate(int n, int ops) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "acc-" + (accounts++);
            ids.add(id);
            append(BankEvents.ACCOUNTS, id, BankEvents.ACCOUNT_OPENED,
                    "{\"accountId\":\"" + id + "\",\"owner\":\"Owner " + id + "\",\"overdraftLimit\":1000}");
            balances.put(id, 0L);
        }
        for (int i = 0; i < ops; i++) {
            String a = ids.get(random.nextInt(ids.size()));
            long amount = 1 + random.nextInt(10_000);
            switch (random.nextInt(3)) {
                case 0 -> deposit(a, amount, null);
                case 1 -> withdraw(a, amount, null);
                default -> {
                    String b = ids.get(random.nextInt(ids.size()));
                    String t = "tr-" + (transfers++);
                    append(BankEvents.TRANSFERS, t, BankEvents.TRANSFER_REQUESTED, "{\"transferId\":\"" + t
                            + "\",\"fromAccount\":\"" + a + "\",\"toAccount\":\"" + b + "\",\"amount\":" + amount + "}");
                    withdraw(a, amount, t);
                    deposit(b, amount, t);
                    append(BankEvents.TRANSFERS, t, BankEvents.TRANSFER_COMPLETED, "{\"transferId\":\"" + t + "\"}");
                }
            }
        }
    }

    void deposit(String account, long amount, String transfer) {
        money(BankEvents.MONEY_DEPOSITED, account, amount, transfer);
        balances.merge(account, amount, Long::sum);
    }

    void withdraw(String account, long amount, String transfer) {
        money(BankEvents.MONEY_WITHDRAWN, account, amount, transfer);
        balances.merge(account, -amount, Long::sum);
    }

    private void money(String type, String account, long amount, String transfer) {
        append(BankEvents.ACCOUNTS, account, type, "{\"accountId\":\"" + account + "\",\"amount\":" + amount
                + ",\"transferId\":" + (transfer == null ? "null" : "\"" + transfer + "\"") + "}");
        moneyEvents++;
    }

    long append(String topic, String key, String type, String json) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        int p = Utils.toPositive(Utils.murmur2(k)) % partitions;
        Header[] hs = {new RecordHeader(EventHeaders.EVENT_TYPE, type.getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(EventHeaders.AGGREGATE_TYPE, "Account".getBytes(StandardCharsets.UTF_8))};
        SimpleRecord r = new SimpleRecord(System.currentTimeMillis(), k, json.getBytes(StandardCharsets.UTF_8), hs);
        return engine.partition(topic, p).append(MemoryRecords.withRecords(Compression.NONE, r)).baseOffset();
    }

    long totalEvents() {
        long n = 0;
        for (String t : List.of(BankEvents.ACCOUNTS, BankEvents.TRANSFERS)) {
            for (int p = 0; p < partitions; p++) {
                n += engine.partition(t, p).logEndOffset();
            }
        }
        return n;
    }

    /** The expected account_balances rows "account|balance", sorted by account. */
    List<String> expectedBalances() {
        return balances.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "|" + e.getValue()).toList();
    }

    @Override
    public void close() {
        engine.close();
    }
}
