package io.cairn.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connection-level behaviour: per-connection response order under pipelining, the connection limit, ApiVersions. */
class ConnectionTest {
    @TempDir
    Path dir;

    @Test
    void pipelinedRequestsAreAnsweredInOrderEvenWhenTheFirstWaits() throws Exception {
        try (BrokerFixture fx = new BrokerFixture(dir, b -> b.maxInFlightRequests(4));
             Socket s = new Socket("127.0.0.1", fx.broker.port())) {
            fx.engine.createTopic("quiet", 1, Map.of());
            s.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            List<Integer> sent = new ArrayList<>();
            // A long-poll fetch on an empty partition (waits 400 ms), then 30 quick requests behind it.
            FetchRequestData fd = new FetchRequestData().setMaxWaitMs(400).setMinBytes(1).setMaxBytes(1 << 20)
                    .setReplicaId(-1).setSessionId(0).setSessionEpoch(-1);
            fd.topics().add(new FetchRequestData.FetchTopic().setTopic("quiet").setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20))));
            write(out, new FetchRequest(fd, (short) 12), 1);
            sent.add(1);
            for (int i = 2; i <= 31; i++) {
                write(out, new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 2), i);
                sent.add(i);
            }
            long t0 = System.nanoTime();
            List<Integer> received = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                byte[] resp = new byte[in.readInt()];
                in.readFully(resp);
                received.add(ResponseHeader.parse(ByteBuffer.wrap(resp), (short) 0).correlationId());
                if (i == 0) {
                    assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(300);
                }
            }
            assertThat(received).isEqualTo(sent);
        }
    }

    private static void write(DataOutputStream out, AbstractRequest r, int correlation) throws Exception {
        ByteBuffer b = r.serializeWithHeader(new RequestHeader(r.apiKey(), r.version(), "pipeline", correlation));
        out.writeInt(b.remaining());
        out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
        out.flush();
    }

    @Test
    void connectionsBeyondTheLimitAreClosed() throws Exception {
        try (BrokerFixture fx = new BrokerFixture(dir, b -> b.maxConnections(2));
             RawClient a = new RawClient(fx.broker.port()); RawClient b = new RawClient(fx.broker.port())) {
            ApiVersionsResponse va = a.send(new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 3));
            b.send(new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 3));
            try (RawClient c = new RawClient(fx.broker.port())) {
                assertThat(c.closedByBroker(5_000)).isTrue();
            }
            // ApiVersions advertises exactly what is implemented.
            assertThat(va.data().apiKeys().find(ApiKeys.PRODUCE.id).maxVersion()).isEqualTo((short) 13);
            assertThat(va.data().apiKeys().find(ApiKeys.OFFSET_COMMIT.id).maxVersion()).isEqualTo((short) 9);
            assertThat(va.data().apiKeys().find(ApiKeys.SASL_HANDSHAKE.id)).isNull();
            assertThat(va.data().apiKeys().find(ApiKeys.CONSUMER_GROUP_HEARTBEAT.id)).isNull();
        }
    }

    @Test
    void anApiVersionsRequestNewerThanKnownGetsUnsupportedVersionAndTheRangesInV0() throws Exception {
        try (BrokerFixture fx = new BrokerFixture(dir); Socket s = new Socket("127.0.0.1", fx.broker.port())) {
            s.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            ByteBuffer req = ByteBuffer.allocate(2 + 2 + 4 + 2 + 1 + 16);
            req.putShort(ApiKeys.API_VERSIONS.id).putShort((short) 99).putInt(7).putShort((short) 1).put((byte) 'x');
            req.put(new byte[16]); // a body the broker cannot know
            out.writeInt(req.capacity());
            out.write(req.array());
            out.flush();
            byte[] resp = new byte[in.readInt()];
            in.readFully(resp);
            ByteBuffer b = ByteBuffer.wrap(resp);
            assertThat(ResponseHeader.parse(b, (short) 0).correlationId()).isEqualTo(7);
            ApiVersionsResponse r = ApiVersionsResponse.parse(new org.apache.kafka.common.protocol.ByteBufferAccessor(b), (short) 0);
            assertThat(r.data().errorCode()).isEqualTo(org.apache.kafka.common.protocol.Errors.UNSUPPORTED_VERSION.code());
            assertThat(r.data().apiKeys().find(ApiKeys.FETCH.id).maxVersion()).isEqualTo((short) 18);
        }
    }
}
