package io.cairn.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The classic group state machine on the wire: member id round trip, session and rebalance timeouts, generations. */
class GroupProtocolTest {
    @TempDir
    Path dir;
    BrokerFixture fx;

    @BeforeEach
    void start() {
        fx = new BrokerFixture(dir, b -> b.groupMinSessionTimeoutMs(300).groupInitialRebalanceDelayMs(100));
        fx.engine.createTopic("t", 1, Map.of());
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private static JoinGroupResponseData join(RawClient c, String memberId, int sessionMs, int rebalanceMs) throws Exception {
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {1, 2}));
        JoinGroupRequestData d = new JoinGroupRequestData().setGroupId("grp").setMemberId(memberId)
                .setSessionTimeoutMs(sessionMs).setRebalanceTimeoutMs(rebalanceMs).setProtocolType("consumer").setProtocols(protocols);
        JoinGroupResponse r = c.send(new JoinGroupRequest.Builder(d).build((short) 9));
        return r.data();
    }

    /** JoinGroup twice (MEMBER_ID_REQUIRED first, as v4+ requires). */
    private static JoinGroupResponseData joinNew(RawClient c, int sessionMs, int rebalanceMs) throws Exception {
        JoinGroupResponseData first = join(c, "", sessionMs, rebalanceMs);
        assertThat(first.errorCode()).isEqualTo(Errors.MEMBER_ID_REQUIRED.code());
        assertThat(first.memberId()).isNotEmpty();
        return join(c, first.memberId(), sessionMs, rebalanceMs);
    }

    private static SyncGroupResponse sync(RawClient c, JoinGroupResponseData j, byte[] assignment) throws Exception {
        SyncGroupRequestData d = new SyncGroupRequestData().setGroupId("grp").setMemberId(j.memberId())
                .setGenerationId(j.generationId()).setProtocolType("consumer").setProtocolName("range");
        if (j.leader().equals(j.memberId())) {
            for (JoinGroupResponseData.JoinGroupResponseMember m : j.members()) {
                d.assignments().add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(m.memberId()).setAssignment(assignment));
            }
        }
        return c.send(new SyncGroupRequest.Builder(d).build((short) 5));
    }

    private static Errors heartbeat(RawClient c, JoinGroupResponseData j) throws Exception {
        HeartbeatResponse r = c.send(new HeartbeatRequest.Builder(new HeartbeatRequestData().setGroupId("grp")
                .setMemberId(j.memberId()).setGenerationId(j.generationId())).build((short) 4));
        return r.error();
    }

    private DescribeGroupsResponseData describe(RawClient c) throws Exception {
        DescribeGroupsResponse r = c.send(new DescribeGroupsRequest.Builder(new DescribeGroupsRequestData().setGroups(List.of("grp"))).build((short) 5));
        return new DescribeGroupsResponseData(r.data().groups().get(0));
    }

    private record DescribeGroupsResponseData(org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup g) {
        String state() {
            return g.groupState();
        }

        int members() {
            return g.members().size();
        }
    }

    @Test
    void aMemberThatStopsHeartbeatingIsRemovedAfterItsSessionTimeout() throws Exception {
        try (RawClient a = new RawClient(fx.broker.port())) {
            JoinGroupResponseData j = joinNew(a, 600, 5_000);
            assertThat(j.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(j.leader()).isEqualTo(j.memberId());
            assertThat(j.members()).hasSize(1);
            SyncGroupResponse s = sync(a, j, "mine".getBytes(StandardCharsets.UTF_8));
            assertThat(s.error()).isEqualTo(Errors.NONE);
            assertThat(new String(s.data().assignment(), StandardCharsets.UTF_8)).isEqualTo("mine");
            assertThat(heartbeat(a, j)).isEqualTo(Errors.NONE);
            assertThat(describe(a).state()).isEqualTo("Stable");

            // A commit with a stale generation or an unknown member is refused.
            OffsetCommitRequestData oc = new OffsetCommitRequestData().setGroupId("grp").setMemberId(j.memberId())
                    .setGenerationIdOrMemberEpoch(j.generationId() + 5);
            oc.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                    new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(1))));
            OffsetCommitResponse ocr = a.send(OffsetCommitRequest.Builder.forTopicNames(oc).build((short) 9));
            assertThat(ocr.data().topics().get(0).partitions().get(0).errorCode()).isEqualTo(Errors.ILLEGAL_GENERATION.code());

            Thread.sleep(1_200);
            assertThat(describe(a).state()).isEqualTo("Empty");
            assertThat(describe(a).members()).isZero();
            assertThat(heartbeat(a, j)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        }
    }

    @Test
    void aMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsDropped() throws Exception {
        try (RawClient a = new RawClient(fx.broker.port()); RawClient b = new RawClient(fx.broker.port())) {
            JoinGroupResponseData ja = joinNew(a, 10_000, 1_000);
            assertThat(sync(a, ja, new byte[] {7}).error()).isEqualTo(Errors.NONE);

            long t0 = System.nanoTime();
            CompletableFuture<JoinGroupResponseData> jb = CompletableFuture.supplyAsync(() -> {
                try {
                    return joinNew(b, 10_000, 1_000);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(200);
            assertThat(heartbeat(a, ja)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
            assertThat(describe(a).state()).isEqualTo("PreparingRebalance");
            // a never rejoins: after its rebalance timeout (1 s) the rebalance completes without it
            JoinGroupResponseData joinedB = jb.get(10, TimeUnit.SECONDS);
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(joinedB.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(joinedB.generationId()).isEqualTo(ja.generationId() + 1);
            assertThat(joinedB.leader()).isEqualTo(joinedB.memberId());
            assertThat(joinedB.members()).hasSize(1);
            assertThat(waitedMs).isGreaterThanOrEqualTo(800);
            assertThat(heartbeat(a, ja)).isIn(Errors.UNKNOWN_MEMBER_ID, Errors.ILLEGAL_GENERATION);
            assertThat(sync(b, joinedB, new byte[] {9}).error()).isEqualTo(Errors.NONE);
            assertThat(describe(a).state()).isEqualTo("Stable");
            assertThat(describe(a).members()).isEqualTo(1);
        }
    }
}
