package io.cairn.log.kafka;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.cairn.log.LogEngine;
import io.cairn.log.Topic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordinator of classic consumer groups (the JoinGroup/SyncGroup protocol): members join, the leader (a client)
 * computes the assignment, the coordinator hands it out and watches heartbeats. States: Empty, PreparingRebalance,
 * CompletingRebalance, Stable, Dead. A rebalance completes when every known member has rejoined (after
 * {@code groupInitialRebalanceDelayMs} for a group that was empty) or when the largest rebalance timeout passes, at
 * which point members that did not rejoin are dropped. Members whose session times out are removed, which starts a
 * rebalance. Group membership is not persisted (members rejoin after a restart); committed offsets are, in
 * {@link OffsetStore}.
 */
final class GroupCoordinator {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    private static final int MAX_METADATA = 4096;

    enum State {
        EMPTY("Empty"), PREPARING_REBALANCE("PreparingRebalance"), COMPLETING_REBALANCE("CompletingRebalance"),
        STABLE("Stable"), DEAD("Dead");

        final String kafkaName;

        State(String kafkaName) {
            this.kafkaName = kafkaName;
        }
    }

    private static final class Member {
        final String id;
        String groupInstanceId;
        String clientId;
        String host;
        int sessionTimeoutMs;
        int rebalanceTimeoutMs;
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols;
        byte[] assignment = new byte[0];
        CompletableFuture<JoinGroupResponseData> join;
        short joinVersion;
        CompletableFuture<SyncGroupResponseData> sync;
        long lastSeenMs;

        Member(String id) {
            this.id = id;
        }

        byte[] metadata(String protocol) {
            JoinGroupRequestData.JoinGroupRequestProtocol p = protocols.find(protocol);
            return p == null ? new byte[0] : p.metadata();
        }
    }

    private static final class Group {
        final String id;
        State state = State.EMPTY;
        String protocolType;
        String protocolName;
        int generation;
        String leader;
        final LinkedHashMap<String, Member> members = new LinkedHashMap<>();
        final Map<String, Long> pending = new HashMap<>();
        long rebalanceDeadline;
        long joinNotBefore;
        long syncDeadline;

        Group(String id) {
            this.id = id;
        }
    }

    private final KafkaBrokerConfig config;
    private final OffsetStore offsets;
    private final Map<String, Group> groups = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> sweeper;

    GroupCoordinator(LogEngine engine, KafkaBrokerConfig config, ScheduledExecutorService timer) {
        this.config = config;
        this.offsets = new OffsetStore(engine, config.offsetsTopicPartitions());
        this.sweeper = timer.scheduleWithFixedDelay(this::sweep, 50, 50, TimeUnit.MILLISECONDS);
    }

    void close() {
        sweeper.cancel(false);
        for (Group g : groups.values()) {
            synchronized (g) {
                for (Member m : g.members.values()) {
                    if (m.join != null) {
                        m.join.complete(joinError(Errors.COORDINATOR_NOT_AVAILABLE, m.id));
                    }
                    if (m.sync != null) {
                        m.sync.complete(new SyncGroupResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
                    }
                }
            }
        }
    }

    void topicDeleted(String topic) {
        offsets.topicDeleted(topic);
    }

    /** Every live group (members or committed offsets), sorted by id, with its committed offsets. */
    List<ConsumerGroupInfo> snapshot() {
        Map<String, Group> all = new TreeMap<>(groups);
        for (String id : offsets.groups()) {
            all.putIfAbsent(id, null);
        }
        List<ConsumerGroupInfo> out = new ArrayList<>(all.size());
        for (Map.Entry<String, Group> e : all.entrySet()) {
            String state = State.EMPTY.kafkaName;
            int members = 0;
            Group g = e.getValue();
            if (g != null) {
                synchronized (g) {
                    state = g.state.kafkaName;
                    members = g.members.size();
                }
            }
            List<ConsumerGroupInfo.CommittedOffset> committed = new ArrayList<>();
            offsets.offsets(e.getKey()).forEach((tp, c) -> committed.add(
                    new ConsumerGroupInfo.CommittedOffset(tp.topic(), tp.partition(), c.offset(), c.commitTimestamp())));
            if (State.DEAD.kafkaName.equals(state) && committed.isEmpty()) {
                continue;
            }
            committed.sort(Comparator.comparing(ConsumerGroupInfo.CommittedOffset::topic)
                    .thenComparingInt(ConsumerGroupInfo.CommittedOffset::partition));
            out.add(new ConsumerGroupInfo(e.getKey(), state, members, committed));
        }
        return out;
    }

    CompletableFuture<AbstractResponse> handle(AbstractRequest request, short v, String clientId, String clientHost,
                                               String host, int port) {
        return switch (request.apiKey()) {
            case FIND_COORDINATOR -> done(findCoordinator((FindCoordinatorRequest) request, v, host, port));
            case JOIN_GROUP -> join(((JoinGroupRequest) request).data(), v, clientId, clientHost)
                    .thenApply(d -> new JoinGroupResponse(d, v));
            case SYNC_GROUP -> sync(((SyncGroupRequest) request).data(), v).thenApply(SyncGroupResponse::new);
            case HEARTBEAT -> done(new HeartbeatResponse(heartbeat(((HeartbeatRequest) request).data())));
            case LEAVE_GROUP -> done(leave((LeaveGroupRequest) request, v));
            case OFFSET_COMMIT -> done(commit(((OffsetCommitRequest) request).data()));
            case OFFSET_FETCH -> done(fetchOffsets(((OffsetFetchRequest) request).data(), v));
            case LIST_GROUPS -> done(listGroups(((ListGroupsRequest) request).data()));
            case DESCRIBE_GROUPS -> done(describeGroups((DescribeGroupsRequest) request, v));
            case DELETE_GROUPS -> done(deleteGroups((DeleteGroupsRequest) request));
            default -> throw new IllegalArgumentException("not a group API: " + request.apiKey());
        };
    }

    private static CompletableFuture<AbstractResponse> done(AbstractResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    // ------------------------------------------------------------------------------------------ FindCoordinator

    private AbstractResponse findCoordinator(FindCoordinatorRequest request, short v, String host, int port) {
        FindCoordinatorRequestData d = request.data();
        FindCoordinatorResponseData r = new FindCoordinatorResponseData().setThrottleTimeMs(0);
        if (v < 4) {
            r.setErrorCode(Errors.NONE.code()).setNodeId(config.nodeId()).setHost(host).setPort(port);
            if (v >= 1) {
                r.setErrorMessage(null);
            }
        } else {
            for (String key : d.coordinatorKeys()) {
                r.coordinators().add(new FindCoordinatorResponseData.Coordinator().setKey(key).setNodeId(config.nodeId())
                        .setHost(host).setPort(port).setErrorCode(Errors.NONE.code()));
            }
        }
        return new FindCoordinatorResponse(r);
    }

    // ------------------------------------------------------------------------------------------------ JoinGroup

    private static JoinGroupResponseData joinError(Errors e, String memberId) {
        return new JoinGroupResponseData().setErrorCode(e.code()).setGenerationId(-1).setMemberId(memberId == null ? "" : memberId)
                .setLeader("").setProtocolName(null).setMembers(new ArrayList<>());
    }

    private CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData d, short v, String clientId, String clientHost) {
        if (d.groupId() == null || d.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(joinError(Errors.INVALID_GROUP_ID, d.memberId()));
        }
        if (d.sessionTimeoutMs() < config.groupMinSessionTimeoutMs() || d.sessionTimeoutMs() > config.groupMaxSessionTimeoutMs()) {
            return CompletableFuture.completedFuture(joinError(Errors.INVALID_SESSION_TIMEOUT, d.memberId()));
        }
        if (d.protocols().isEmpty() || d.protocolType() == null || d.protocolType().isEmpty()) {
            return CompletableFuture.completedFuture(joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, d.memberId()));
        }
        long now = System.currentTimeMillis();
        Group g = groups.computeIfAbsent(d.groupId(), Group::new);
        synchronized (g) {
            if (g.state == State.DEAD) {
                return CompletableFuture.completedFuture(joinError(Errors.COORDINATOR_NOT_AVAILABLE, d.memberId()));
            }
            if (g.protocolType != null && !g.members.isEmpty() && !g.protocolType.equals(d.protocolType())
                    || !supportsProtocols(g, d.protocols())) {
                return CompletableFuture.completedFuture(joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, d.memberId()));
            }
            String memberId = d.memberId();
            Member m;
            if (memberId.isEmpty()) {
                memberId = (clientId == null || clientId.isEmpty() ? "member" : clientId) + "-" + UUID.randomUUID();
                if (v >= 4) {
                    g.pending.put(memberId, now + d.sessionTimeoutMs());
                    return CompletableFuture.completedFuture(joinError(Errors.MEMBER_ID_REQUIRED, memberId));
                }
                m = new Member(memberId);
                g.members.put(memberId, m);
            } else {
                m = g.members.get(memberId);
                if (m == null) {
                    if (g.pending.remove(memberId) == null) {
                        return CompletableFuture.completedFuture(joinError(Errors.UNKNOWN_MEMBER_ID, memberId));
                    }
                    m = new Member(memberId);
                    g.members.put(memberId, m);
                }
            }
            m.groupInstanceId = d.groupInstanceId();
            m.clientId = clientId;
            m.host = clientHost;
            m.sessionTimeoutMs = d.sessionTimeoutMs();
            m.rebalanceTimeoutMs = v >= 1 ? d.rebalanceTimeoutMs() : d.sessionTimeoutMs();
            m.protocols = d.protocols().duplicate();
            m.lastSeenMs = now;
            m.joinVersion = v;
            if (m.join != null && !m.join.isDone()) {
                m.join.complete(joinError(Errors.UNKNOWN_MEMBER_ID, memberId));
            }
            CompletableFuture<JoinGroupResponseData> joined = new CompletableFuture<>();
            m.join = joined;
            g.protocolType = d.protocolType();
            if (g.state != State.PREPARING_REBALANCE) {
                prepareRebalance(g, now, "member " + memberId + " joined");
            }
            maybeCompleteJoin(g, now); // may complete (and clear m.join) right away when this was the last member
            return joined;
        }
    }

    private static boolean supportsProtocols(Group g, JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols) {
        for (JoinGroupRequestData.JoinGroupRequestProtocol p : protocols) {
            boolean all = true;
            for (Member m : g.members.values()) {
                if (m.protocols.find(p.name()) == null) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    private void prepareRebalance(Group g, long now, String reason) {
        if (g.state == State.COMPLETING_REBALANCE) {
            for (Member m : g.members.values()) {
                if (m.sync != null) {
                    m.sync.complete(new SyncGroupResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()));
                    m.sync = null;
                }
            }
        }
        boolean wasEmpty = g.state == State.EMPTY;
        g.state = State.PREPARING_REBALANCE;
        int timeout = 0;
        for (Member m : g.members.values()) {
            timeout = Math.max(timeout, m.rebalanceTimeoutMs);
        }
        g.rebalanceDeadline = now + timeout;
        g.joinNotBefore = wasEmpty ? Math.min(now + config.groupInitialRebalanceDelayMs(), g.rebalanceDeadline) : 0;
        log.debug("Group {} rebalancing (generation {}): {}", g.id, g.generation, reason);
    }

    private void maybeCompleteJoin(Group g, long now) {
        if (g.state != State.PREPARING_REBALANCE) {
            return;
        }
        boolean allJoined = g.pending.isEmpty();
        for (Member m : g.members.values()) {
            if (m.join == null) {
                allJoined = false;
                break;
            }
        }
        if (allJoined && now >= g.joinNotBefore || now >= g.rebalanceDeadline) {
            completeJoin(g, now);
        }
    }

    private void completeJoin(Group g, long now) {
        g.members.values().removeIf(m -> m.join == null);
        g.pending.clear();
        g.generation++;
        if (g.members.isEmpty()) {
            g.state = State.EMPTY;
            g.protocolName = null;
            g.leader = null;
            log.debug("Group {} is empty (generation {})", g.id, g.generation);
            return;
        }
        g.protocolName = selectProtocol(g);
        if (g.leader == null || !g.members.containsKey(g.leader)) {
            g.leader = g.members.keySet().iterator().next();
        }
        g.state = State.COMPLETING_REBALANCE;
        int timeout = 0;
        for (Member m : g.members.values()) {
            timeout = Math.max(timeout, m.rebalanceTimeoutMs);
            m.assignment = new byte[0];
        }
        g.syncDeadline = now + timeout;
        log.info("Group {} generation {}: {} member(s), protocol {}, leader {}", g.id, g.generation, g.members.size(),
                g.protocolName, g.leader);
        for (Member m : g.members.values()) {
            JoinGroupResponseData r = new JoinGroupResponseData().setErrorCode(Errors.NONE.code())
                    .setGenerationId(g.generation).setProtocolName(g.protocolName).setLeader(g.leader)
                    .setMemberId(m.id).setMembers(new ArrayList<>());
            if (m.joinVersion >= 7) {
                r.setProtocolType(g.protocolType);
            }
            if (m.id.equals(g.leader)) {
                for (Member other : g.members.values()) {
                    JoinGroupResponseData.JoinGroupResponseMember jm = new JoinGroupResponseData.JoinGroupResponseMember()
                            .setMemberId(other.id).setMetadata(other.metadata(g.protocolName));
                    if (m.joinVersion >= 5) {
                        jm.setGroupInstanceId(other.groupInstanceId);
                    }
                    r.members().add(jm);
                }
            }
            m.lastSeenMs = now;
            CompletableFuture<JoinGroupResponseData> f = m.join;
            m.join = null;
            f.complete(r);
        }
    }

    private static String selectProtocol(Group g) {
        Map<String, Integer> votes = new LinkedHashMap<>();
        Member first = g.members.values().iterator().next();
        for (JoinGroupRequestData.JoinGroupRequestProtocol p : first.protocols) {
            boolean all = g.members.values().stream().allMatch(m -> m.protocols.find(p.name()) != null);
            if (all) {
                votes.put(p.name(), 0);
            }
        }
        for (Member m : g.members.values()) {
            for (JoinGroupRequestData.JoinGroupRequestProtocol p : m.protocols) {
                if (votes.containsKey(p.name())) {
                    votes.merge(p.name(), 1, Integer::sum);
                    break;
                }
            }
        }
        String best = null;
        int most = -1;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (e.getValue() > most) {
                best = e.getKey();
                most = e.getValue();
            }
        }
        return best;
    }

    // ------------------------------------------------------------------------------------------------ SyncGroup

    private CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData d, short v) {
        Group g = groups.get(d.groupId());
        if (g == null) {
            return CompletableFuture.completedFuture(syncError(Errors.UNKNOWN_MEMBER_ID));
        }
        synchronized (g) {
            Member m = g.members.get(d.memberId());
            if (m == null || g.state == State.EMPTY || g.state == State.DEAD) {
                return CompletableFuture.completedFuture(syncError(Errors.UNKNOWN_MEMBER_ID));
            }
            if (d.generationId() != g.generation) {
                return CompletableFuture.completedFuture(syncError(Errors.ILLEGAL_GENERATION));
            }
            if (v >= 5 && (d.protocolType() != null && !d.protocolType().equals(g.protocolType)
                    || d.protocolName() != null && !d.protocolName().equals(g.protocolName))) {
                return CompletableFuture.completedFuture(syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
            }
            long now = System.currentTimeMillis();
            m.lastSeenMs = now;
            switch (g.state) {
                case PREPARING_REBALANCE:
                    return CompletableFuture.completedFuture(syncError(Errors.REBALANCE_IN_PROGRESS));
                case STABLE:
                    return CompletableFuture.completedFuture(syncOk(g, m, v));
                default: // COMPLETING_REBALANCE
                    if (m.sync != null && !m.sync.isDone()) {
                        m.sync.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
                    }
                    CompletableFuture<SyncGroupResponseData> f = new CompletableFuture<>();
                    m.sync = f;
                    if (m.id.equals(g.leader)) {
                        for (SyncGroupRequestData.SyncGroupRequestAssignment a : d.assignments()) {
                            Member target = g.members.get(a.memberId());
                            if (target != null) {
                                target.assignment = a.assignment();
                            }
                        }
                        g.state = State.STABLE;
                        for (Member x : g.members.values()) {
                            if (x.sync != null) {
                                CompletableFuture<SyncGroupResponseData> xf = x.sync;
                                x.sync = null;
                                xf.complete(syncOk(g, x, v));
                            }
                        }
                    }
                    return f;
            }
        }
    }

    private static SyncGroupResponseData syncError(Errors e) {
        return new SyncGroupResponseData().setErrorCode(e.code()).setAssignment(new byte[0]);
    }

    private static SyncGroupResponseData syncOk(Group g, Member m, short v) {
        SyncGroupResponseData r = new SyncGroupResponseData().setErrorCode(Errors.NONE.code()).setAssignment(m.assignment);
        if (v >= 5) {
            r.setProtocolType(g.protocolType).setProtocolName(g.protocolName);
        }
        return r;
    }

    // ------------------------------------------------------------------------------------------------ Heartbeat

    private HeartbeatResponseData heartbeat(HeartbeatRequestData d) {
        HeartbeatResponseData r = new HeartbeatResponseData().setThrottleTimeMs(0);
        Group g = groups.get(d.groupId());
        if (g == null) {
            return r.setErrorCode(Errors.UNKNOWN_MEMBER_ID.code());
        }
        synchronized (g) {
            Member m = g.members.get(d.memberId());
            if (m == null || g.state == State.EMPTY || g.state == State.DEAD) {
                return r.setErrorCode(Errors.UNKNOWN_MEMBER_ID.code());
            }
            if (d.generationId() != g.generation) {
                return r.setErrorCode(Errors.ILLEGAL_GENERATION.code());
            }
            m.lastSeenMs = System.currentTimeMillis();
            if (g.state == State.PREPARING_REBALANCE) {
                return r.setErrorCode(Errors.REBALANCE_IN_PROGRESS.code());
            }
            return r.setErrorCode(Errors.NONE.code());
        }
    }

    // ----------------------------------------------------------------------------------------------- LeaveGroup

    private AbstractResponse leave(LeaveGroupRequest request, short v) {
        LeaveGroupRequestData d = request.data();
        List<LeaveGroupRequestData.MemberIdentity> leaving = v >= 3 ? d.members()
                : List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(d.memberId()));
        List<LeaveGroupResponseData.MemberResponse> out = new ArrayList<>();
        Group g = groups.get(d.groupId());
        if (g == null) {
            return new LeaveGroupResponse(out, Errors.UNKNOWN_MEMBER_ID, 0, v);
        }
        Errors top = Errors.NONE;
        synchronized (g) {
            long now = System.currentTimeMillis();
            boolean removed = false;
            for (LeaveGroupRequestData.MemberIdentity id : leaving) {
                Member m = g.members.remove(id.memberId());
                Errors e = Errors.NONE;
                if (m == null) {
                    if (g.pending.remove(id.memberId()) == null) {
                        e = Errors.UNKNOWN_MEMBER_ID;
                    }
                } else {
                    removed = true;
                    if (m.join != null) {
                        m.join.complete(joinError(Errors.UNKNOWN_MEMBER_ID, m.id));
                    }
                    if (m.sync != null) {
                        m.sync.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
                    }
                    log.debug("Member {} left group {}", m.id, g.id);
                }
                if (v < 3) {
                    top = e;
                }
                out.add(new LeaveGroupResponseData.MemberResponse().setMemberId(id.memberId())
                        .setGroupInstanceId(id.groupInstanceId()).setErrorCode(e.code()));
            }
            if (removed) {
                membersChanged(g, now, "a member left");
            } else if (g.state == State.PREPARING_REBALANCE) {
                maybeCompleteJoin(g, now);
            }
        }
        return new LeaveGroupResponse(v >= 3 ? out : List.of(), top, 0, v);
    }

    private void membersChanged(Group g, long now, String reason) {
        if (g.state == State.STABLE || g.state == State.COMPLETING_REBALANCE) {
            prepareRebalance(g, now, reason);
        }
        maybeCompleteJoin(g, now);
    }

    // ------------------------------------------------------------------------------------------------- sessions

    private void sweep() {
        long now = System.currentTimeMillis();
        for (Group g : groups.values()) {
            try {
                synchronized (g) {
                    boolean changed = false;
                    Iterator<Map.Entry<String, Long>> pi = g.pending.entrySet().iterator();
                    while (pi.hasNext()) {
                        if (pi.next().getValue() < now) {
                            pi.remove();
                            changed = true;
                        }
                    }
                    Iterator<Member> it = g.members.values().iterator();
                    while (it.hasNext()) {
                        Member m = it.next();
                        if (m.join == null && m.sync == null && now - m.lastSeenMs > m.sessionTimeoutMs) {
                            it.remove();
                            changed = true;
                            log.info("Member {} of group {} timed out (session timeout {} ms)", m.id, g.id, m.sessionTimeoutMs);
                        }
                    }
                    if (g.state == State.COMPLETING_REBALANCE && now > g.syncDeadline) {
                        g.members.values().removeIf(m -> m.sync == null && !m.id.equals(g.leader) || m.id.equals(g.leader));
                        changed = true;
                        log.info("Group {}: the leader did not send the assignment in time; rebalancing", g.id);
                    }
                    if (changed) {
                        membersChanged(g, now, "members expired");
                    } else if (g.state == State.PREPARING_REBALANCE) {
                        maybeCompleteJoin(g, now);
                    }
                }
            } catch (RuntimeException e) {
                log.warn("Group {} sweep failed: {}", g.id, e.toString(), e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- offsets

    private AbstractResponse commit(OffsetCommitRequestData d) {
        Errors groupError = Errors.NONE;
        Group g = groups.get(d.groupId());
        if (d.groupId() == null || d.groupId().isEmpty()) {
            groupError = Errors.INVALID_GROUP_ID;
        } else if (d.generationIdOrMemberEpoch() < 0 && (d.memberId() == null || d.memberId().isEmpty())) {
            // A commit outside group management (assign() consumers, tools): only for groups without members.
            if (g != null) {
                synchronized (g) {
                    if (g.state != State.EMPTY && g.state != State.DEAD) {
                        groupError = Errors.UNKNOWN_MEMBER_ID;
                    }
                }
            } else {
                groups.computeIfAbsent(d.groupId(), Group::new);
            }
        } else if (g == null) {
            groupError = Errors.ILLEGAL_GENERATION;
        } else {
            synchronized (g) {
                Member m = g.members.get(d.memberId());
                if (m == null || g.state == State.EMPTY || g.state == State.DEAD) {
                    groupError = Errors.UNKNOWN_MEMBER_ID;
                } else if (d.generationIdOrMemberEpoch() != g.generation) {
                    groupError = Errors.ILLEGAL_GENERATION;
                } else if (g.state == State.COMPLETING_REBALANCE) {
                    // While preparing a rebalance, members of the current generation may still commit (as Kafka
                    // allows: eager consumers commit in onPartitionsRevoked before rejoining); not after it.
                    groupError = Errors.REBALANCE_IN_PROGRESS;
                } else {
                    m.lastSeenMs = System.currentTimeMillis();
                }
            }
        }
        OffsetCommitResponseData r = new OffsetCommitResponseData().setThrottleTimeMs(0);
        Map<TopicPartition, OffsetStore.Committed> accepted = new HashMap<>();
        Map<TopicPartition, OffsetCommitResponseData.OffsetCommitResponsePartition> responses = new HashMap<>();
        long now = System.currentTimeMillis();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : d.topics()) {
            OffsetCommitResponseData.OffsetCommitResponseTopic rt = new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(t.name());
            Topic topic = offsets.engine().topic(t.name()).orElse(null);
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
                Errors e = groupError;
                if (e == Errors.NONE) {
                    if (topic == null || p.partitionIndex() < 0 || p.partitionIndex() >= topic.partitionCount()) {
                        e = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                    } else if (p.committedMetadata() != null && p.committedMetadata().length() > MAX_METADATA) {
                        e = Errors.OFFSET_METADATA_TOO_LARGE;
                    } else {
                        accepted.put(new TopicPartition(t.name(), p.partitionIndex()), new OffsetStore.Committed(
                                p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata(), now));
                    }
                }
                OffsetCommitResponseData.OffsetCommitResponsePartition rp = new OffsetCommitResponseData.OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(e.code());
                if (e == Errors.NONE) {
                    responses.put(new TopicPartition(t.name(), p.partitionIndex()), rp);
                }
                rt.partitions().add(rp);
            }
            r.topics().add(rt);
        }
        if (!accepted.isEmpty()) {
            try {
                offsets.commit(d.groupId(), accepted);
            } catch (RuntimeException e) {
                log.warn("Offset commit of group {} failed: {}", d.groupId(), e.toString());
                Errors err = Errors.COORDINATOR_NOT_AVAILABLE;
                responses.values().forEach(rp -> rp.setErrorCode(err.code()));
            }
        }
        return new OffsetCommitResponse(r);
    }

    private AbstractResponse fetchOffsets(OffsetFetchRequestData d, short v) {
        OffsetFetchResponseData r = new OffsetFetchResponseData().setThrottleTimeMs(0);
        if (v >= 8) {
            for (OffsetFetchRequestData.OffsetFetchRequestGroup rg : d.groups()) {
                OffsetFetchResponseData.OffsetFetchResponseGroup og = new OffsetFetchResponseData.OffsetFetchResponseGroup()
                        .setGroupId(rg.groupId()).setErrorCode(Errors.NONE.code());
                Map<String, List<Integer>> wanted = null;
                if (rg.topics() != null) {
                    wanted = new LinkedHashMap<>();
                    for (OffsetFetchRequestData.OffsetFetchRequestTopics t : rg.topics()) {
                        wanted.put(t.name(), t.partitionIndexes());
                    }
                }
                for (Map.Entry<String, List<OffsetFetchResponseData.OffsetFetchResponsePartitions>> e : committed(rg.groupId(), wanted).entrySet()) {
                    og.topics().add(new OffsetFetchResponseData.OffsetFetchResponseTopics().setName(e.getKey()).setPartitions(e.getValue()));
                }
                r.groups().add(og);
            }
        } else {
            Map<String, List<Integer>> wanted = null;
            if (d.topics() != null) {
                wanted = new LinkedHashMap<>();
                for (OffsetFetchRequestData.OffsetFetchRequestTopic t : d.topics()) {
                    wanted.put(t.name(), t.partitionIndexes());
                }
            }
            for (Map.Entry<String, List<OffsetFetchResponseData.OffsetFetchResponsePartitions>> e : committed(d.groupId(), wanted).entrySet()) {
                List<OffsetFetchResponseData.OffsetFetchResponsePartition> ps = new ArrayList<>();
                for (OffsetFetchResponseData.OffsetFetchResponsePartitions p : e.getValue()) {
                    OffsetFetchResponseData.OffsetFetchResponsePartition op = new OffsetFetchResponseData.OffsetFetchResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setCommittedOffset(p.committedOffset())
                            .setMetadata(p.metadata()).setErrorCode(p.errorCode());
                    if (v >= 5) {
                        op.setCommittedLeaderEpoch(p.committedLeaderEpoch());
                    }
                    ps.add(op);
                }
                r.topics().add(new OffsetFetchResponseData.OffsetFetchResponseTopic().setName(e.getKey()).setPartitions(ps));
            }
            if (v >= 2) {
                r.setErrorCode(Errors.NONE.code());
            }
        }
        return new OffsetFetchResponse(r, v);
    }

    /** Committed offsets of {@code group} by topic: those asked for (-1 where none), or all when {@code wanted} is null. */
    private Map<String, List<OffsetFetchResponseData.OffsetFetchResponsePartitions>> committed(String group, Map<String, List<Integer>> wanted) {
        Map<TopicPartition, OffsetStore.Committed> all = offsets.offsets(group);
        Map<String, List<OffsetFetchResponseData.OffsetFetchResponsePartitions>> out = new LinkedHashMap<>();
        if (wanted == null) {
            for (Map.Entry<TopicPartition, OffsetStore.Committed> e : all.entrySet()) {
                out.computeIfAbsent(e.getKey().topic(), t -> new ArrayList<>()).add(partition(e.getKey().partition(), e.getValue()));
            }
        } else {
            wanted.forEach((topic, parts) -> {
                List<OffsetFetchResponseData.OffsetFetchResponsePartitions> ps = new ArrayList<>();
                for (int p : parts) {
                    ps.add(partition(p, all.get(new TopicPartition(topic, p))));
                }
                out.put(topic, ps);
            });
        }
        return out;
    }

    private static OffsetFetchResponseData.OffsetFetchResponsePartitions partition(int p, OffsetStore.Committed c) {
        return new OffsetFetchResponseData.OffsetFetchResponsePartitions().setPartitionIndex(p)
                .setCommittedOffset(c == null ? -1 : c.offset())
                .setCommittedLeaderEpoch(c == null ? -1 : c.leaderEpoch())
                .setMetadata(c == null ? "" : c.metadata())
                .setErrorCode(Errors.NONE.code());
    }

    // ----------------------------------------------------------------------------------------- List/Describe/Delete

    private AbstractResponse listGroups(ListGroupsRequestData d) {
        ListGroupsResponseData r = new ListGroupsResponseData().setThrottleTimeMs(0).setErrorCode(Errors.NONE.code());
        Set<String> states = d.statesFilter() == null || d.statesFilter().isEmpty() ? null : Set.copyOf(d.statesFilter());
        Set<String> types = d.typesFilter() == null || d.typesFilter().isEmpty() ? null : Set.copyOf(d.typesFilter());
        Map<String, Group> all = new LinkedHashMap<>(groups);
        for (String id : offsets.groups()) {
            all.putIfAbsent(id, null);
        }
        for (Map.Entry<String, Group> e : all.entrySet()) {
            String state;
            String protocolType;
            Group g = e.getValue();
            if (g == null) {
                state = State.EMPTY.kafkaName;
                protocolType = "";
            } else {
                synchronized (g) {
                    if (g.state == State.DEAD) {
                        continue;
                    }
                    state = g.state.kafkaName;
                    protocolType = g.protocolType == null ? "" : g.protocolType;
                }
            }
            if (states != null && !states.contains(state) || types != null && !types.contains("classic") && !types.contains("Classic")) {
                continue;
            }
            r.groups().add(new ListGroupsResponseData.ListedGroup().setGroupId(e.getKey()).setProtocolType(protocolType)
                    .setGroupState(state).setGroupType("classic"));
        }
        return new ListGroupsResponse(r);
    }

    private AbstractResponse describeGroups(DescribeGroupsRequest request, short v) {
        DescribeGroupsResponseData r = new DescribeGroupsResponseData().setThrottleTimeMs(0);
        for (String id : request.data().groups()) {
            DescribeGroupsResponseData.DescribedGroup dg = new DescribeGroupsResponseData.DescribedGroup().setGroupId(id)
                    .setErrorCode(Errors.NONE.code()).setProtocolType("").setProtocolData("").setMembers(new ArrayList<>());
            Group g = groups.get(id);
            if (g == null) {
                dg.setGroupState(offsets.hasOffsets(id) ? State.EMPTY.kafkaName : State.DEAD.kafkaName);
            } else {
                synchronized (g) {
                    dg.setGroupState(g.state.kafkaName).setProtocolType(g.protocolType == null ? "" : g.protocolType)
                            .setProtocolData(g.state == State.STABLE || g.state == State.COMPLETING_REBALANCE ? g.protocolName : "");
                    for (Member m : g.members.values()) {
                        DescribeGroupsResponseData.DescribedGroupMember dm = new DescribeGroupsResponseData.DescribedGroupMember()
                                .setMemberId(m.id).setClientId(m.clientId == null ? "" : m.clientId)
                                .setClientHost(m.host == null ? "" : m.host)
                                .setMemberMetadata(g.protocolName == null ? new byte[0] : m.metadata(g.protocolName))
                                .setMemberAssignment(g.state == State.STABLE ? m.assignment : new byte[0]);
                        if (v >= 4) {
                            dm.setGroupInstanceId(m.groupInstanceId);
                        }
                        dg.members().add(dm);
                    }
                }
            }
            r.groups().add(dg);
        }
        return new DescribeGroupsResponse(r);
    }

    private AbstractResponse deleteGroups(DeleteGroupsRequest request) {
        DeleteGroupsResponseData r = new DeleteGroupsResponseData().setThrottleTimeMs(0);
        for (String id : request.data().groupsNames()) {
            Errors e = Errors.NONE;
            Group g = groups.get(id);
            if (g != null) {
                synchronized (g) {
                    if (g.state != State.EMPTY && g.state != State.DEAD) {
                        e = Errors.NON_EMPTY_GROUP;
                    } else {
                        g.state = State.DEAD;
                        groups.remove(id, g);
                    }
                }
            } else if (!offsets.hasOffsets(id)) {
                e = Errors.GROUP_ID_NOT_FOUND;
            }
            if (e == Errors.NONE) {
                try {
                    offsets.deleteGroup(id);
                } catch (RuntimeException ex) {
                    log.warn("Deleting the offsets of group {} failed: {}", id, ex.toString());
                    e = Errors.COORDINATOR_NOT_AVAILABLE;
                }
            }
            r.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(id).setErrorCode(e.code()));
        }
        return new DeleteGroupsResponse(r);
    }
}
