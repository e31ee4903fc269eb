package io.cairn.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import io.cairn.log.PartitionLog;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idempotent produce on the wire: duplicates, gaps, fencing, and producer state across a broker restart. */
class IdempotenceTest {
    @TempDir
    Path dir;

    private static MemoryRecords batch(long pid, short epoch, int seq, String... values) {
        SimpleRecord[] rs = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            rs[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withIdempotentRecords(Compression.NONE, pid, epoch, seq, rs);
    }

    private static ProduceResponseData.PartitionProduceResponse produce(RawClient c, MemoryRecords records) throws Exception {
        ProduceRequestData d = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000);
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName("idem");
        t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        d.topicData().add(t);
        ProduceResponse r = c.send(ProduceRequest.builder(d).build((short) 11));
        return r.data().responses().iterator().next().partitionResponses().get(0);
    }

    @Test
    void duplicatesAreAcknowledgedWithTheirOriginalOffsetAndGapsAreRefused() throws Exception {
        try (BrokerFixture fx = new BrokerFixture(dir)) {
            fx.engine.createTopic("idem", 1, java.util.Map.of());
            PartitionLog log = fx.engine.partition("idem", 0);
            long pid;
            short epoch;
            try (RawClient c = new RawClient(fx.broker.port())) {
                InitProducerIdResponse init = c.send(new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                        .setTransactionalId(null).setTransactionTimeoutMs(60_000)).build((short) 4));
                assertThat(init.error()).isEqualTo(Errors.NONE);
                pid = init.data().producerId();
                epoch = init.data().producerEpoch();

                assertThat(produce(c, batch(pid, epoch, 0, "a", "b")).baseOffset()).isZero();
                assertThat(produce(c, batch(pid, epoch, 2, "c")).baseOffset()).isEqualTo(2);
                // A retry of either recent batch: same offsets, nothing appended.
                ProduceResponseData.PartitionProduceResponse dup = produce(c, batch(pid, epoch, 0, "a", "b"));
                assertThat(dup.errorCode()).isEqualTo(Errors.NONE.code());
                assertThat(dup.baseOffset()).isZero();
                assertThat(produce(c, batch(pid, epoch, 2, "c")).baseOffset()).isEqualTo(2);
                assertThat(log.logEndOffset()).isEqualTo(3);
                // A gap in the sequence.
                assertThat(produce(c, batch(pid, epoch, 7, "x")).errorCode()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());
                assertThat(log.logEndOffset()).isEqualTo(3);
                // A new epoch starts at sequence 0; the old epoch is then fenced.
                assertThat(produce(c, batch(pid, (short) (epoch + 1), 0, "d")).baseOffset()).isEqualTo(3);
                assertThat(produce(c, batch(pid, epoch, 3, "old")).errorCode()).isEqualTo(Errors.INVALID_PRODUCER_EPOCH.code());
                assertThat(produce(c, batch(pid, (short) (epoch + 1), 1, "e")).baseOffset()).isEqualTo(4);
                // Transactional ids are refused: transactions are not implemented.
                InitProducerIdResponse txn = c.send(new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                        .setTransactionalId("tx").setTransactionTimeoutMs(60_000)).build((short) 4));
                assertThat(txn.error()).isNotEqualTo(Errors.NONE);
            }

            fx.restart();
            log = fx.engine.partition("idem", 0);
            try (RawClient c = new RawClient(fx.broker.port())) {
                short e1 = (short) (epoch + 1);
                ProduceResponseData.PartitionProduceResponse dup = produce(c, batch(pid, e1, 1, "e"));
                assertThat(dup.errorCode()).isEqualTo(Errors.NONE.code());
                assertThat(dup.baseOffset()).isEqualTo(4);
                assertThat(log.logEndOffset()).isEqualTo(5);
                assertThat(produce(c, batch(pid, e1, 3, "g")).errorCode()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());
                assertThat(produce(c, batch(pid, e1, 2, "f")).baseOffset()).isEqualTo(5);
                // New producer ids are never reused across restarts.
                InitProducerIdResponse init = c.send(new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                        .setTransactionalId(null).setTransactionTimeoutMs(60_000)).build((short) 4));
                assertThat(init.data().producerId()).isNotEqualTo(pid);
            }
            assertThat(io.cairn.log.Batches.readAll(log, 0, 1 << 20)).extracting(io.cairn.log.Batches.Read::value)
                    .isEqualTo(List.of("a", "b", "c", "d", "e", "f"));
        }
    }
}
