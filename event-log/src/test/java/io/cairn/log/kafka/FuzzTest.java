package io.cairn.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.cairn.log.Batches;
import io.cairn.log.PartitionLog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input on raw sockets: random bytes, truncated and oversized frames, negative sizes, unknown APIs, mangled
 * requests and corrupt record batches. Afterwards the broker must still serve the stock producer and consumer, and
 * every partition must read back as valid batches with every acknowledged record in place.
 */
class FuzzTest {
    private static final int MAX_FRAME = 1024 * 1024;

    @TempDir
    Path dir;

    private static MemoryRecords records(String... values) {
        SimpleRecord[] rs = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            rs[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, rs);
    }

    private static ProduceRequest produceRequest(MemoryRecords records) {
        ProduceRequestData d = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000);
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName("fuzz");
        t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        d.topicData().add(t);
        return ProduceRequest.builder(d).build((short) 11);
    }

    private static void produce(BrokerFixture fx, String prefix, int n) {
        try (KafkaProducer<String, String> p = fx.producer(Map.of())) {
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>("fuzz", i % 2, null, prefix + i));
            }
            p.flush();
        }
    }

    @Test
    void hostileInputNeverCrashesTheBrokerNorCorruptsAPartition() throws Exception {
        try (BrokerFixture fx = new BrokerFixture(dir, b -> b.maxFrameBytes(MAX_FRAME))) {
            fx.engine.createTopic("fuzz", 2, Map.of());
            produce(fx, "before-", 200);
            int port = fx.broker.port();
            Random random = new Random(20240611L);
            long started = System.nanoTime();

            // Oversized, negative and truncated frames: the broker closes the connection.
            try (RawClient c = new RawClient(port)) {
                c.write(ByteBuffer.allocate(8).putInt(MAX_FRAME + 1).putInt(0).array());
                assertThat(c.closedByBroker(5_000)).isTrue();
            }
            try (RawClient c = new RawClient(port)) {
                c.write(ByteBuffer.allocate(8).putInt(-5).putInt(0).array());
                assertThat(c.closedByBroker(5_000)).isTrue();
            }
            try (RawClient c = new RawClient(port)) {
                c.write(ByteBuffer.allocate(4 + 100).putInt(5_000).array()); // says 5000, sends 100, then closes
            }
            // An unknown API key and an API that is not offered: closed.
            try (RawClient c = new RawClient(port)) {
                c.writeFrame(ByteBuffer.allocate(20).putShort((short) 999).putShort((short) 0).putInt(1).putShort((short) -1).array());
                assertThat(c.closedByBroker(5_000)).isTrue();
            }
            try (RawClient c = new RawClient(port)) {
                c.writeFrame(ByteBuffer.allocate(20).putShort(ApiKeys.SASL_HANDSHAKE.id).putShort((short) 1).putInt(1)
                        .putShort((short) -1).array());
                assertThat(c.closedByBroker(5_000)).isTrue();
            }
            // A valid header and a truncated body: closed.
            try (RawClient c = new RawClient(port)) {
                byte[] frame = c.frame(produceRequest(records("t1", "t2")));
                byte[] cut = java.util.Arrays.copyOf(frame, frame.length / 2);
                c.writeFrame(cut);
                assertThat(c.closedByBroker(5_000)).isTrue();
            }
            // A corrupt record batch (CRC mismatch) in a well-formed request: an error, nothing written.
            long endBefore = fx.engine.partition("fuzz", 0).logEndOffset();
            try (RawClient c = new RawClient(port)) {
                MemoryRecords bad = records("corrupt-1", "corrupt-2");
                ByteBuffer b = bad.buffer();
                b.put(b.limit() - 3, (byte) (b.get(b.limit() - 3) ^ 0x5a));
                ProduceResponse r = c.send(produceRequest(bad));
                ProduceResponseData.PartitionProduceResponse pr = r.data().responses().iterator().next().partitionResponses().get(0);
                assertThat(pr.errorCode()).isEqualTo(Errors.CORRUPT_MESSAGE.code());
                // and the connection still works
                MetadataResponse md = c.send(new MetadataRequest(new MetadataRequestData().setTopics(null), (short) 12));
                assertThat(md.topicMetadata()).isNotEmpty();
            }
            assertThat(fx.engine.partition("fuzz", 0).logEndOffset()).isEqualTo(endBefore);

            // Random bytes, random frames, and valid requests with random bytes flipped, each on a fresh socket.
            byte[] valid;
            try (RawClient c = new RawClient(port)) {
                valid = c.frame(produceRequest(records("m1", "m2", "m3")));
            }
            int attacks = 300;
            for (int i = 0; i < attacks; i++) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setSoTimeout(2_000);
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    switch (i % 3) {
                        case 0 -> {
                            byte[] junk = new byte[1 + random.nextInt(2_000)];
                            random.nextBytes(junk);
                            out.write(junk);
                        }
                        case 1 -> {
                            byte[] body = new byte[random.nextInt(300)];
                            random.nextBytes(body);
                            if (body.length >= 4) {
                                // a plausible header start: a known API key and version
                                ApiKeys k = ApiKeys.values()[random.nextInt(ApiKeys.values().length)];
                                ByteBuffer.wrap(body).putShort(k.id).putShort((short) random.nextInt(Math.max(1, k.latestVersion() + 1)));
                            }
                            out.writeInt(body.length);
                            out.write(body);
                        }
                        default -> {
                            byte[] body = valid.clone();
                            int flips = 1 + random.nextInt(4);
                            for (int f = 0; f < flips; f++) {
                                body[random.nextInt(body.length)] ^= (byte) (1 + random.nextInt(255));
                            }
                            out.writeInt(body.length);
                            out.write(body);
                        }
                    }
                    out.flush();
                    try {
                        s.getInputStream().read(new byte[4096]); // whatever comes back, or the close
                    } catch (IOException ignored) {
                        // timeout or reset: both fine
                    }
                } catch (IOException ignored) {
                    // the broker may reset a connection it rejected
                }
            }
            System.out.printf("fuzz: %d attacks in %d ms%n", attacks, (System.nanoTime() - started) / 1_000_000);

            // The broker still serves stock clients.
            produce(fx, "after-", 200);
            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> c = fx.consumer(Map.of())) {
                List<TopicPartition> tps = List.of(new TopicPartition("fuzz", 0), new TopicPartition("fuzz", 1));
                c.assign(tps);
                c.seekToBeginning(tps);
                long total = fx.engine.partition("fuzz", 0).highWatermark() + fx.engine.partition("fuzz", 1).highWatermark();
                for (ConsumerRecord<String, String> r : BrokerFixture.pollUntil(c, (int) total, Duration.ofSeconds(30))) {
                    values.add(r.value());
                }
            }
            for (int i = 0; i < 200; i++) {
                assertThat(values).contains("before-" + i, "after-" + i);
            }
            // Every partition reads back as valid, contiguous batches.
            for (int p = 0; p < 2; p++) {
                PartitionLog log = fx.engine.partition("fuzz", p);
                long next = 0;
                while (next < log.highWatermark()) {
                    PartitionLog.ReadResult r = log.read(next, 1 << 20);
                    for (RecordBatch b : r.records().batches()) {
                        assertThat(b.isValid()).isTrue();
                        assertThat(b.baseOffset()).isEqualTo(next);
                        next = b.nextOffset();
                    }
                }
                assertThat(Batches.readAll(log, 0, 1 << 20)).hasSize((int) log.highWatermark());
            }
            assertThat(fx.broker.connectionCount()).isLessThanOrEqualTo(2);
        }
    }
}
