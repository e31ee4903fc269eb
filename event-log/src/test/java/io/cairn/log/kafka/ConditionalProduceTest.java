package io.cairn.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import io.cairn.log.store.EventHeaders;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.LogEventStore;
import io.cairn.log.store.StoredEvent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conditional appends over the Kafka protocol: a record header carries the expected sequence. */
class ConditionalProduceTest {
    @TempDir
    Path dir;

    private static ProducerRecord<String, String> event(String topic, String id, String expected, String type, String value) {
        ProducerRecord<String, String> r = new ProducerRecord<>(topic, id, value);
        if (expected != null) {
            r.headers().add(EventHeaders.EXPECTED_SEQUENCE, expected.getBytes(StandardCharsets.UTF_8));
        }
        r.headers().add(EventHeaders.EVENT_TYPE, type.getBytes(StandardCharsets.UTF_8));
        return r;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void aStockProducerAppendsConditionallyAndGetsConflictsAsErrors() throws Exception {
        try (BrokerFixture fx = new BrokerFixture(dir)) {
            LogEventStore store = LogEventStore.of(fx.engine);
            store.ensureTopic("orders", 3, false);
            try (KafkaProducer<String, String> producer = fx.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                RecordMetadata m = producer.send(event("orders", "o-1", "-1", "Created", "{\"n\":1}")).get();
                assertThat(m.partition()).isEqualTo(BuiltInPartitioner.partitionForKey("o-1".getBytes(StandardCharsets.UTF_8), 3));
                producer.send(event("orders", "o-1", "0", "Paid", "{\"n\":2}")).get();

                ExecutionException conflict = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> producer.send(event("orders", "o-1", "0", "Paid", "{\"n\":3}")).get());
                assertThat(conflict.getCause()).isInstanceOf(InvalidRecordException.class);
                assertThat(conflict.getCause().getMessage()).startsWith("concurrency conflict")
                        .contains("expected last sequence 0, actual 1");
                assertThatThrownBy(() -> producer.send(event("orders", "o-1", "-1", "Created", "{}")).get())
                        .hasCauseInstanceOf(InvalidRecordException.class).hasMessageContaining("concurrency conflict");

                // the producer is still usable after the conflicts (its idempotence state stayed sound)
                producer.send(event("orders", "o-1", "1", "Shipped", "{\"n\":4}")).get();
                producer.send(event("orders", "o-2", "-1", "Created", "{}")).get();
                // a record without the header is a plain produce, not checked
                producer.send(new ProducerRecord<>("orders", "plain", "x")).get();
            }
            List<StoredEvent> events = store.read("orders", "o-1", 0);
            assertThat(events).extracting(StoredEvent::sequence).containsExactly(0L, 1L, 2L);
            assertThat(events).extracting(StoredEvent::eventType).containsExactly("Created", "Paid", "Shipped");
            assertThat(events).extracting(e -> text(e.payload())).containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":4}");
            assertThat(events.get(0).aggregateType()).isEqualTo("orders");
            assertThat(events.get(0).metadata()).doesNotContainKey(EventHeaders.EXPECTED_SEQUENCE);
            assertThat(store.lastSequence("orders", "o-2")).isZero();
            int p = events.get(0).partition();
            // nothing of the refused appends reached the log: o-1's partition holds its three events (and maybe others')
            long o1Records = store.readPartition("orders", p, 0, 1000, 0).stream().filter(e -> "o-1".equals(e.aggregateId())).count();
            assertThat(o1Records).isEqualTo(3);
        }
    }

    private static MemoryRecords batch(String... keysAndHeaders) {
        // pairs: key, sequence header value ("" for none); the first record carries the expected sequence "4"
        SimpleRecord[] rs = new SimpleRecord[keysAndHeaders.length / 2];
        for (int i = 0; i < rs.length; i++) {
            String key = keysAndHeaders[2 * i];
            String seq = keysAndHeaders[2 * i + 1];
            java.util.List<Header> h = new java.util.ArrayList<>();
            if (i == 0) {
                h.add(new RecordHeader(EventHeaders.EXPECTED_SEQUENCE, "-1".getBytes(StandardCharsets.UTF_8)));
            }
            if (!seq.isEmpty()) {
                h.add(new RecordHeader(EventHeaders.SEQUENCE, seq.getBytes(StandardCharsets.UTF_8)));
            }
            rs[i] = new SimpleRecord(System.currentTimeMillis(), key.getBytes(StandardCharsets.UTF_8),
                    ("v" + i).getBytes(StandardCharsets.UTF_8), h.toArray(new Header[0]));
        }
        return MemoryRecords.withRecords(Compression.NONE, rs);
    }

    private static ProduceResponseData.PartitionProduceResponse produce(RawClient c, int partition, MemoryRecords records) throws Exception {
        ProduceRequestData d = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000);
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName("agg");
        t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records));
        d.topicData().add(t);
        ProduceResponse r = c.send(ProduceRequest.builder(d).build((short) 11));
        return r.data().responses().iterator().next().partitionResponses().get(0);
    }

    @Test
    void aMultiEventBatchIsOneConditionalAppendAndBadBatchesAreRefused() throws Exception {
        try (BrokerFixture fx = new BrokerFixture(dir)) {
            LogEventStore store = LogEventStore.of(fx.engine);
            store.ensureTopic("agg", 2, false);
            int home = BuiltInPartitioner.partitionForKey("a".getBytes(StandardCharsets.UTF_8), 2);
            try (RawClient c = new RawClient(fx.broker.port())) {
                ProduceResponseData.PartitionProduceResponse ok = produce(c, home, batch("a", "", "a", "1", "a", ""));
                assertThat(Errors.forCode(ok.errorCode())).isEqualTo(Errors.NONE);

                ProduceResponseData.PartitionProduceResponse again = produce(c, home, batch("a", ""));
                assertThat(Errors.forCode(again.errorCode())).isEqualTo(Errors.INVALID_RECORD);
                assertThat(again.errorMessage()).startsWith("concurrency conflict");

                assertThat(produce(c, home, batch("b0", "", "b1", "")).errorMessage()).contains("must have the key");
                assertThat(produce(c, home, batch("a", "0", "a", "5")).errorMessage()).contains("it must be 1");
                assertThat(produce(c, 1 - home, batch("a", "")).errorMessage()).contains("lives in partition " + home);
            }
            assertThat(store.read("agg", "a", 0)).extracting(StoredEvent::sequence).containsExactly(0L, 1L, 2L);
            assertThat(store.endOffset("agg", 0) + store.endOffset("agg", 1)).isEqualTo(3);
            assertThat(store.lastSequence("agg", "a")).isEqualTo(2);
            assertThat(EventStore.NEW_AGGREGATE).isEqualTo(-1);
        }
    }
}
