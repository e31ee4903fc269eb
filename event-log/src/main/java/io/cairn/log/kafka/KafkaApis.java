package io.cairn.log.kafka;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

import io.cairn.log.LogEngine;
import io.cairn.log.LogException;
import io.cairn.log.PartitionLog;
import io.cairn.log.Topic;
import io.cairn.log.TopicConfig;
import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.log.store.LogEventStore;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka APIs this broker implements, each on the engine. {@link #SUPPORTED} is exactly what ApiVersions
 * advertises; anything else closes the connection.
 */
final class KafkaApis {
    private static final Logger log = LoggerFactory.getLogger(KafkaApis.class);

    /** Highest version implemented per API; the lowest is the oldest kafka-clients still knows. */
    static final Map<ApiKeys, Short> SUPPORTED = new EnumMap<>(ApiKeys.class);

    static {
        SUPPORTED.put(ApiKeys.PRODUCE, (short) 13);
        SUPPORTED.put(ApiKeys.FETCH, (short) 18);
        SUPPORTED.put(ApiKeys.LIST_OFFSETS, (short) 10);
        SUPPORTED.put(ApiKeys.METADATA, (short) 13);
        SUPPORTED.put(ApiKeys.OFFSET_COMMIT, (short) 9);
        SUPPORTED.put(ApiKeys.OFFSET_FETCH, (short) 9);
        SUPPORTED.put(ApiKeys.FIND_COORDINATOR, (short) 6);
        SUPPORTED.put(ApiKeys.JOIN_GROUP, (short) 9);
        SUPPORTED.put(ApiKeys.HEARTBEAT, (short) 4);
        SUPPORTED.put(ApiKeys.LEAVE_GROUP, (short) 5);
        SUPPORTED.put(ApiKeys.SYNC_GROUP, (short) 5);
        SUPPORTED.put(ApiKeys.DESCRIBE_GROUPS, (short) 5);
        SUPPORTED.put(ApiKeys.LIST_GROUPS, (short) 5);
        SUPPORTED.put(ApiKeys.API_VERSIONS, (short) 4);
        SUPPORTED.put(ApiKeys.CREATE_TOPICS, (short) 7);
        SUPPORTED.put(ApiKeys.DELETE_TOPICS, (short) 6);
        SUPPORTED.put(ApiKeys.DELETE_RECORDS, (short) 2);
        SUPPORTED.put(ApiKeys.INIT_PRODUCER_ID, (short) 5);
        SUPPORTED.put(ApiKeys.DESCRIBE_CONFIGS, (short) 4);
        SUPPORTED.put(ApiKeys.CREATE_PARTITIONS, (short) 3);
        SUPPORTED.put(ApiKeys.DELETE_GROUPS, (short) 2);
        SUPPORTED.put(ApiKeys.INCREMENTAL_ALTER_CONFIGS, (short) 1);
        SUPPORTED.put(ApiKeys.DESCRIBE_CLUSTER, (short) 1);
    }

    /** Thrown (or completed exceptionally) when the connection must be closed instead of answered. */
    static final class CloseConnection extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CloseConnection(String message) {
            super(message, null, false, false);
        }
    }

    private final LogEngine engine;
    private final KafkaBrokerConfig config;
    private final KafkaBroker broker;
    private final Executor workers;
    private final FetchHandler fetches;
    private final ProducerStates producers;
    /** The engine's event store, for conditional produces (looked up once: every produce consults it). */
    private final LogEventStore store;
    private final GroupCoordinator groups;

    KafkaApis(LogEngine engine, KafkaBrokerConfig config, KafkaBroker broker, Executor workers, ScheduledExecutorService timer) {
        this.engine = engine;
        this.config = config;
        this.broker = broker;
        this.workers = workers;
        this.fetches = new FetchHandler(engine, workers, timer);
        this.producers = new ProducerStates(engine.dataDir(), config.producerStateScanBytes());
        this.store = LogEventStore.of(engine);
        this.groups = new GroupCoordinator(engine, config, timer);
    }

    boolean supports(ApiKeys key, short version) {
        Short max = SUPPORTED.get(key);
        return max != null && version >= key.oldestVersion() && version <= max;
    }

    void close() {
        groups.close();
    }

    List<ConsumerGroupInfo> consumerGroups() {
        return groups.snapshot();
    }

    CompletableFuture<AbstractResponse> handle(RequestContext ctx, AbstractRequest request) {
        short v = ctx.apiVersion();
        return switch (request.apiKey()) {
            case API_VERSIONS -> done(apiVersions((ApiVersionsRequest) request));
            case METADATA -> done(metadata((MetadataRequest) request, v));
            case PRODUCE -> done(produce((ProduceRequest) request, v));
            case FETCH -> fetches.fetch((FetchRequest) request, v);
            case LIST_OFFSETS -> done(listOffsets((ListOffsetsRequest) request, v));
            case INIT_PRODUCER_ID -> done(initProducerId((InitProducerIdRequest) request));
            case CREATE_TOPICS -> done(createTopics((CreateTopicsRequest) request, v));
            case DELETE_TOPICS -> done(deleteTopics((DeleteTopicsRequest) request, v));
            case CREATE_PARTITIONS -> done(createPartitions((CreatePartitionsRequest) request));
            case DESCRIBE_CONFIGS -> done(describeConfigs((DescribeConfigsRequest) request, v));
            case INCREMENTAL_ALTER_CONFIGS -> done(incrementalAlterConfigs((IncrementalAlterConfigsRequest) request));
            case DESCRIBE_CLUSTER -> done(describeCluster((DescribeClusterRequest) request, v));
            case DELETE_RECORDS -> done(deleteRecords((DeleteRecordsRequest) request));
            case FIND_COORDINATOR, JOIN_GROUP, SYNC_GROUP, HEARTBEAT, LEAVE_GROUP, OFFSET_COMMIT, OFFSET_FETCH,
                 LIST_GROUPS, DESCRIBE_GROUPS, DELETE_GROUPS -> groups.handle(request, v, ctx.clientId(),
                    ctx.clientAddress.toString(), config.advertised(), broker.port());
            default -> throw new CloseConnection("unsupported API " + request.apiKey());
        };
    }

    private static CompletableFuture<AbstractResponse> done(AbstractResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    // ------------------------------------------------------------------------------------------------ errors

    /** The Kafka error for an engine or client-library exception. */
    static Errors error(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof LogException) {
            if (t instanceof ConcurrencyConflictException) {
                // Not retriable (the same batch would conflict again), scoped to this batch (the producer is not
                // fenced and its idempotence state stays sound), and its message reaches the client: see
                // docs/event-store.md for why INVALID_RECORD rather than a sequence or policy error.
                return Errors.INVALID_RECORD;
            } else if (t instanceof LogException.UnknownTopicException) {
                return Errors.UNKNOWN_TOPIC_OR_PARTITION;
            } else if (t instanceof LogException.TopicExistsException) {
                return Errors.TOPIC_ALREADY_EXISTS;
            } else if (t instanceof LogException.InvalidConfigException) {
                return Errors.INVALID_CONFIG;
            } else if (t instanceof LogException.InvalidBatchException) {
                return Errors.INVALID_RECORD;
            } else if (t instanceof LogException.RecordTooLargeException) {
                return Errors.MESSAGE_TOO_LARGE;
            } else if (t instanceof LogException.OffsetOutOfRangeException) {
                return Errors.OFFSET_OUT_OF_RANGE;
            } else if (t instanceof LogException.LimitExceededException) {
                return Errors.POLICY_VIOLATION;
            } else if (t instanceof LogException.LogClosedException) {
                return Errors.NOT_LEADER_OR_FOLLOWER;
            } else {
                return Errors.KAFKA_STORAGE_ERROR; // corrupt stored data, I/O errors
            }
        }
        return Errors.forException(t);
    }

    static Uuid uuid(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    private Topic topicById(Uuid id) {
        for (Topic t : engine.topics()) {
            if (uuid(t.id()).equals(id)) {
                return t;
            }
        }
        return null;
    }

    // -------------------------------------------------------------------------------------------- ApiVersions

    static ApiVersionsResponseData.ApiVersionCollection apiVersionRanges() {
        ApiVersionsResponseData.ApiVersionCollection keys = new ApiVersionsResponseData.ApiVersionCollection();
        SUPPORTED.forEach((k, max) -> keys.add(new ApiVersionsResponseData.ApiVersion()
                .setApiKey(k.id).setMinVersion(k.oldestVersion()).setMaxVersion((short) Math.min(max, k.latestVersion()))));
        return keys;
    }

    private AbstractResponse apiVersions(ApiVersionsRequest request) {
        ApiVersionsResponseData d = new ApiVersionsResponseData().setApiKeys(apiVersionRanges()).setThrottleTimeMs(0);
        if (request.hasUnsupportedRequestVersion()) {
            d.setErrorCode(Errors.UNSUPPORTED_VERSION.code());
        } else if (!request.isValid()) {
            d.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        return new ApiVersionsResponse(d);
    }

    // ----------------------------------------------------------------------------------------------- Metadata

    private AbstractResponse metadata(MetadataRequest request, short v) {
        MetadataRequestData d = request.data();
        MetadataResponseData r = new MetadataResponseData().setThrottleTimeMs(0);
        MetadataResponseData.MetadataResponseBrokerCollection brokers = new MetadataResponseData.MetadataResponseBrokerCollection();
        brokers.add(new MetadataResponseData.MetadataResponseBroker().setNodeId(config.nodeId())
                .setHost(config.advertised()).setPort(broker.port()).setRack(null));
        r.setBrokers(brokers);
        if (v >= 2) {
            r.setClusterId(config.clusterId());
        }
        if (v >= 1) {
            r.setControllerId(config.nodeId());
        }
        MetadataResponseData.MetadataResponseTopicCollection topics = new MetadataResponseData.MetadataResponseTopicCollection();
        boolean all = d.topics() == null || v == 0 && d.topics().isEmpty();
        if (all) {
            for (Topic t : engine.topics()) {
                topics.add(describe(t, v));
            }
        } else {
            boolean autoCreate = config.autoCreateTopics() && (v < 4 || d.allowAutoTopicCreation());
            for (MetadataRequestData.MetadataRequestTopic rt : d.topics()) {
                String name = rt.name();
                Topic t;
                if (name == null) {
                    t = rt.topicId() == null ? null : topicById(rt.topicId());
                    if (t == null) {
                        topics.add(new MetadataResponseData.MetadataResponseTopic().setName(null)
                                .setTopicId(rt.topicId()).setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
                        continue;
                    }
                } else {
                    t = engine.topic(name).orElse(null);
                    if (t == null) {
                        Errors err = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                        if (!org.apache.kafka.common.internals.Topic.isValid(name)) {
                            err = Errors.INVALID_TOPIC_EXCEPTION;
                        } else if (autoCreate) {
                            try {
                                t = engine.createTopic(name, config.defaultPartitions(), Map.of());
                            } catch (LogException.TopicExistsException e) {
                                t = engine.topic(name).orElse(null);
                            } catch (LogException e) {
                                log.warn("Auto-creation of topic {} failed: {}", name, e.getMessage());
                                err = error(e);
                            }
                        }
                        if (t == null) {
                            topics.add(new MetadataResponseData.MetadataResponseTopic().setName(name)
                                    .setErrorCode(err.code()).setIsInternal(false));
                            continue;
                        }
                    }
                }
                topics.add(describe(t, v));
            }
        }
        r.setTopics(topics);
        return new MetadataResponse(r, v);
    }

    private MetadataResponseData.MetadataResponseTopic describe(Topic t, short v) {
        List<MetadataResponseData.MetadataResponsePartition> parts = new ArrayList<>();
        List<Integer> replicas = List.of(config.nodeId());
        for (int i = 0; i < t.partitionCount(); i++) {
            MetadataResponseData.MetadataResponsePartition p = new MetadataResponseData.MetadataResponsePartition()
                    .setErrorCode(Errors.NONE.code()).setPartitionIndex(i).setLeaderId(config.nodeId())
                    .setReplicaNodes(replicas).setIsrNodes(replicas).setOfflineReplicas(List.of());
            if (v >= 7) {
                p.setLeaderEpoch(-1); // no leader epochs yet: clients skip epoch validation
            }
            parts.add(p);
        }
        MetadataResponseData.MetadataResponseTopic mt = new MetadataResponseData.MetadataResponseTopic()
                .setErrorCode(Errors.NONE.code()).setName(t.name())
                .setIsInternal(org.apache.kafka.common.internals.Topic.isInternal(t.name()))
                .setPartitions(parts);
        if (v >= 10) {
            mt.setTopicId(uuid(t.id()));
        }
        return mt;
    }

    // ------------------------------------------------------------------------------------------------ Produce

    private AbstractResponse produce(ProduceRequest request, short v) {
        ProduceRequestData d = request.data();
        ProduceResponseData r = new ProduceResponseData().setThrottleTimeMs(0);
        boolean anyError = false;
        String firstError = null;
        for (ProduceRequestData.TopicProduceData td : d.topicData()) {
            ProduceResponseData.TopicProduceResponse tr = new ProduceResponseData.TopicProduceResponse();
            Topic topic;
            Errors topicError = Errors.NONE;
            if (v >= 13) {
                tr.setTopicId(td.topicId());
                topic = topicById(td.topicId());
                if (topic == null) {
                    topicError = Errors.UNKNOWN_TOPIC_ID;
                }
            } else {
                tr.setName(td.name());
                topic = engine.topic(td.name()).orElse(null);
                if (topic == null) {
                    topicError = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                }
            }
            for (ProduceRequestData.PartitionProduceData pd : td.partitionData()) {
                ProduceResponseData.PartitionProduceResponse pr = new ProduceResponseData.PartitionProduceResponse()
                        .setIndex(pd.index()).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
                try {
                    if (topicError != Errors.NONE) {
                        throw topicError.exception();
                    }
                    if (d.transactionalId() != null) {
                        throw new InvalidRecordException("Transactions are not supported by this broker");
                    }
                    PartitionLog log = topic.partition(pd.index());
                    ProducerStates.Appended a = append(log, pd.records(), v);
                    pr.setBaseOffset(a.baseOffset()).setLogAppendTimeMs(a.logAppendTime()).setLogStartOffset(log.logStartOffset());
                } catch (RuntimeException | LinkageError e) {
                    Errors err = error(e);
                    if (err == Errors.UNKNOWN_SERVER_ERROR) {
                        log.warn("Produce to {}-{} failed", td.name(), pd.index(), e);
                    }
                    pr.setErrorCode(err.code());
                    if (v >= 8) {
                        pr.setErrorMessage(e.getMessage());
                    }
                    anyError = true;
                    if (firstError == null) {
                        firstError = err + " (" + e.getMessage() + ")";
                    }
                }
                tr.partitionResponses().add(pr);
            }
            r.responses().add(tr);
        }
        if (d.acks() == 0) {
            if (anyError) {
                // The client expects no answer; closing the connection is how Kafka tells it something failed.
                throw new CloseConnection("acks=0 produce failed: " + firstError);
            }
            return null;
        }
        return new ProduceResponse(r);
    }

    private ProducerStates.Appended append(PartitionLog log, org.apache.kafka.common.record.BaseRecords base, short v) {
        if (!(base instanceof MemoryRecords records) || records.sizeInBytes() == 0) {
            throw new CorruptRecordException("The produce request holds no record batch");
        }
        RecordBatch first = null;
        int count = 0;
        try {
            for (RecordBatch b : records.batches()) {
                if (first == null) {
                    first = b;
                }
                count++;
            }
        } catch (RuntimeException e) {
            throw new CorruptRecordException("Malformed record batches: " + e.getMessage());
        }
        if (first == null) {
            throw new CorruptRecordException("The produce request holds no complete record batch");
        }
        if (v >= 3 && count != 1) {
            throw new InvalidRecordException("Produce requests v3+ must hold exactly one record batch per partition, not " + count);
        }
        if (first.magic() != RecordBatch.MAGIC_VALUE_V2) {
            throw new InvalidRecordException("Only record batches of magic 2 are accepted");
        }
        if (!first.isValid()) {
            throw new CorruptRecordException("Record batch CRC mismatch");
        }
        if (first.isTransactional() || first.isControlBatch()) {
            throw new InvalidRecordException("Transactional and control batches are not supported by this broker");
        }
        // A conditional append of aggregate events (docs/event-store.md): checked under the partition's append lock.
        MemoryRecords toAppend = records;
        PartitionLog.AppendGuard guard = PartitionLog.AppendGuard.NONE;
        LogEventStore.Conditional conditional;
        try {
            conditional = store.conditional(log, records);
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException(e.getMessage());
        }
        if (conditional != null) {
            toAppend = conditional.records();
            guard = conditional.guard();
        }
        if (first.hasProducerId()) {
            return producers.append(log, toAppend, first, guard);
        }
        PartitionLog.AppendResult a = log.append(toAppend, guard);
        return new ProducerStates.Appended(a.baseOffset(), a.lastOffset(), a.logAppendTime(), false);
    }

    // ----------------------------------------------------------------------------------------- InitProducerId

    private AbstractResponse initProducerId(InitProducerIdRequest request) {
        InitProducerIdRequestData d = request.data();
        InitProducerIdResponseData r = new InitProducerIdResponseData().setThrottleTimeMs(0);
        if (d.transactionalId() != null) {
            // Transactions are not implemented: refuse clearly rather than pretend.
            return new InitProducerIdResponse(r.setErrorCode(Errors.UNSUPPORTED_VERSION.code()).setProducerId(-1).setProducerEpoch((short) -1));
        }
        long id;
        short epoch;
        if (d.producerId() >= 0 && d.producerEpoch() >= 0 && d.producerEpoch() < Short.MAX_VALUE - 1) {
            id = d.producerId(); // an epoch bump after an error: same id, next epoch, sequences restart
            epoch = (short) (d.producerEpoch() + 1);
        } else {
            id = producers.newProducerId();
            epoch = 0;
        }
        return new InitProducerIdResponse(r.setErrorCode(Errors.NONE.code()).setProducerId(id).setProducerEpoch(epoch));
    }

    // ------------------------------------------------------------------------------------------- ListOffsets

    private AbstractResponse listOffsets(ListOffsetsRequest request, short v) {
        ListOffsetsResponseData r = new ListOffsetsResponseData().setThrottleTimeMs(0);
        for (ListOffsetsRequestData.ListOffsetsTopic t : request.data().topics()) {
            ListOffsetsResponseData.ListOffsetsTopicResponse tr = new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(t.name());
            Topic topic = engine.topic(t.name()).orElse(null);
            for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
                ListOffsetsResponseData.ListOffsetsPartitionResponse pr = new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                        .setPartitionIndex(p.partitionIndex()).setTimestamp(-1).setOffset(-1);
                if (v >= 4) {
                    pr.setLeaderEpoch(-1);
                }
                try {
                    if (topic == null) {
                        throw Errors.UNKNOWN_TOPIC_OR_PARTITION.exception();
                    }
                    PartitionLog log = topic.partition(p.partitionIndex());
                    long ts = p.timestamp();
                    if (ts == ListOffsetsRequest.EARLIEST_TIMESTAMP || ts == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
                        pr.setOffset(log.logStartOffset());
                    } else if (ts == ListOffsetsRequest.LATEST_TIMESTAMP) {
                        pr.setOffset(log.highWatermark());
                    } else if (ts == ListOffsetsRequest.MAX_TIMESTAMP) {
                        long[] max = maxTimestamp(log);
                        pr.setTimestamp(max[0]).setOffset(max[1]);
                    } else if (ts >= 0) {
                        Optional<FileRecords.TimestampAndOffset> found = log.offsetForTimestamp(ts);
                        found.ifPresent(f -> pr.setTimestamp(f.timestamp).setOffset(f.offset));
                    } else if (ts == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP) {
                        pr.setOffset(-1); // no tiered storage
                    } else {
                        throw Errors.INVALID_REQUEST.exception("Unknown special timestamp " + ts);
                    }
                } catch (RuntimeException e) {
                    pr.setErrorCode(error(e).code());
                }
                tr.partitions().add(pr);
            }
            r.topics().add(tr);
        }
        return new ListOffsetsResponse(r);
    }

    /** {timestamp, offset} of the first record with the largest timestamp, or {-1, -1} when the log is empty. */
    private static long[] maxTimestamp(PartitionLog log) {
        long start = log.logStartOffset();
        long hw = log.highWatermark();
        PartitionLog.SegmentInfo best = null;
        for (PartitionLog.SegmentInfo s : log.segments()) {
            if (s.nextOffset() <= start || s.baseOffset() >= hw || s.largestTimestamp() < 0) {
                continue;
            }
            if (best == null || s.largestTimestamp() > best.largestTimestamp()) {
                best = s;
            }
        }
        if (best == null) {
            return new long[] {-1, -1};
        }
        long[] result = {-1, -1};
        long next = Math.max(best.baseOffset(), start);
        long end = Math.min(best.nextOffset(), hw);
        while (next < end) {
            PartitionLog.ReadResult rr = log.read(next, 4 * 1024 * 1024, true, PartitionLog.ReadLimit.HIGH_WATERMARK);
            long before = next;
            for (RecordBatch b : rr.records().batches()) {
                if (b.baseOffset() >= end) {
                    break;
                }
                next = b.nextOffset();
                if (b.maxTimestamp() > result[0]) {
                    for (Record rec : b) {
                        if (rec.timestamp() == b.maxTimestamp() && rec.offset() >= start || b.timestampType()
                                == org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME) {
                            result[0] = b.maxTimestamp();
                            result[1] = b.timestampType() == org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME
                                    ? Math.max(b.baseOffset(), start) : rec.offset();
                            break;
                        }
                    }
                }
            }
            if (next == before) {
                break;
            }
        }
        return result;
    }

    // ------------------------------------------------------------------------------------------------- admin

    private AbstractResponse createTopics(CreateTopicsRequest request, short v) {
        CreateTopicsRequestData d = request.data();
        CreateTopicsResponseData r = new CreateTopicsResponseData().setThrottleTimeMs(0);
        for (CreateTopicsRequestData.CreatableTopic t : d.topics()) {
            CreateTopicsResponseData.CreatableTopicResult res = new CreateTopicsResponseData.CreatableTopicResult().setName(t.name());
            try {
                org.apache.kafka.common.internals.Topic.validate(t.name());
                if (t.name().startsWith(".")) {
                    throw Errors.INVALID_TOPIC_EXCEPTION.exception("Topic names may not start with '.'");
                }
                int partitions = t.numPartitions() == -1 ? config.defaultPartitions() : t.numPartitions();
                if (!t.assignments().isEmpty()) {
                    partitions = t.assignments().size();
                    for (CreateTopicsRequestData.CreatableReplicaAssignment a : t.assignments()) {
                        if (!a.brokerIds().equals(List.of(config.nodeId()))) {
                            throw Errors.INVALID_REPLICA_ASSIGNMENT.exception("This cluster has one broker, node "
                                    + config.nodeId() + "; assignment " + a.brokerIds() + " is impossible");
                        }
                    }
                }
                if (partitions <= 0) {
                    throw Errors.INVALID_PARTITIONS.exception("Number of partitions must be larger than 0, not " + partitions);
                }
                if (t.replicationFactor() != -1 && t.replicationFactor() != 1) {
                    throw Errors.INVALID_REPLICATION_FACTOR.exception("Replication factor: " + t.replicationFactor()
                            + " larger than available brokers: 1.");
                }
                Map<String, String> configs = new HashMap<>();
                for (CreateTopicsRequestData.CreatableTopicConfig c : t.configs()) {
                    configs.put(c.name(), c.value());
                }
                TopicConfig tc;
                UUID id = null;
                if (d.validateOnly()) {
                    if (engine.topic(t.name()).isPresent()) {
                        throw Errors.TOPIC_ALREADY_EXISTS.exception("Topic '" + t.name() + "' already exists.");
                    }
                    Map<String, String> merged = new HashMap<>(engine.config().defaultTopicConfig());
                    merged.putAll(configs);
                    tc = TopicConfig.of(merged);
                } else {
                    Topic created = engine.createTopic(t.name(), partitions, configs);
                    tc = created.config();
                    id = created.id();
                }
                if (v >= 7 && id != null) {
                    res.setTopicId(uuid(id));
                }
                if (v >= 5) {
                    List<CreateTopicsResponseData.CreatableTopicConfigs> cs = new ArrayList<>();
                    for (Map.Entry<String, String> e : tc.values().entrySet()) {
                        cs.add(new CreateTopicsResponseData.CreatableTopicConfigs().setName(e.getKey()).setValue(e.getValue())
                                .setReadOnly(false).setIsSensitive(false).setConfigSource(source(tc, e.getKey()).id()));
                    }
                    res.setNumPartitions(partitions).setReplicationFactor((short) 1).setConfigs(cs);
                }
            } catch (RuntimeException e) {
                Errors err = error(e);
                res.setErrorCode(err.code()).setErrorMessage(e.getMessage());
                if (v >= 5) {
                    res.setNumPartitions(-1).setReplicationFactor((short) -1);
                }
            }
            r.topics().add(res);
        }
        return new CreateTopicsResponse(r);
    }

    private static DescribeConfigsResponse.ConfigSource source(TopicConfig tc, String name) {
        return tc.isDefault(name) ? DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG : DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG;
    }

    private AbstractResponse deleteTopics(DeleteTopicsRequest request, short v) {
        DeleteTopicsRequestData d = request.data();
        DeleteTopicsResponseData r = new DeleteTopicsResponseData().setThrottleTimeMs(0);
        List<String> names = new ArrayList<>();
        List<Uuid> ids = new ArrayList<>();
        if (v >= 6) {
            for (DeleteTopicsRequestData.DeleteTopicState s : d.topics()) {
                names.add(s.name());
                ids.add(s.topicId());
            }
        } else {
            for (String n : d.topicNames()) {
                names.add(n);
                ids.add(Uuid.ZERO_UUID);
            }
        }
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Uuid id = ids.get(i);
            DeleteTopicsResponseData.DeletableTopicResult res = new DeleteTopicsResponseData.DeletableTopicResult().setName(name);
            try {
                Topic t;
                if (name == null) {
                    t = id == null ? null : topicById(id);
                    if (t == null) {
                        throw Errors.UNKNOWN_TOPIC_ID.exception();
                    }
                } else {
                    t = engine.topic(name).orElseThrow(() -> Errors.UNKNOWN_TOPIC_OR_PARTITION.exception());
                }
                res.setName(t.name());
                if (v >= 6) {
                    res.setTopicId(uuid(t.id()));
                }
                if (org.apache.kafka.common.internals.Topic.isInternal(t.name())) {
                    throw Errors.INVALID_TOPIC_EXCEPTION.exception("Internal topic " + t.name() + " cannot be deleted");
                }
                List<PartitionLog> logs = t.partitions();
                engine.deleteTopic(t.name());
                fetches.forget(logs);
                producers.forget(logs);
                groups.topicDeleted(t.name());
            } catch (RuntimeException e) {
                res.setErrorCode(error(e).code());
                if (v >= 5) {
                    res.setErrorMessage(e.getMessage());
                }
            }
            r.responses().add(res);
        }
        return new DeleteTopicsResponse(r);
    }

    private AbstractResponse createPartitions(CreatePartitionsRequest request) {
        CreatePartitionsRequestData d = request.data();
        CreatePartitionsResponseData r = new CreatePartitionsResponseData().setThrottleTimeMs(0);
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : d.topics()) {
            CreatePartitionsResponseData.CreatePartitionsTopicResult res = new CreatePartitionsResponseData.CreatePartitionsTopicResult()
                    .setName(t.name());
            try {
                Topic topic = engine.topic(t.name()).orElseThrow(() -> Errors.UNKNOWN_TOPIC_OR_PARTITION.exception());
                if (t.count() <= topic.partitionCount()) {
                    throw Errors.INVALID_PARTITIONS.exception("Topic currently has " + topic.partitionCount()
                            + " partitions, which is higher than the requested " + t.count() + ".");
                }
                if (t.assignments() != null) {
                    for (CreatePartitionsRequestData.CreatePartitionsAssignment a : t.assignments()) {
                        if (!a.brokerIds().equals(List.of(config.nodeId()))) {
                            throw Errors.INVALID_REPLICA_ASSIGNMENT.exception("This cluster has one broker, node " + config.nodeId());
                        }
                    }
                }
                if (!d.validateOnly()) {
                    engine.addPartitions(t.name(), t.count());
                }
            } catch (RuntimeException e) {
                res.setErrorCode(error(e).code()).setErrorMessage(e.getMessage());
            }
            r.results().add(res);
        }
        return new CreatePartitionsResponse(r);
    }

    private static final byte TOPIC = 2;
    private static final byte BROKER = 4;

    private AbstractResponse describeConfigs(DescribeConfigsRequest request, short v) {
        DescribeConfigsRequestData d = request.data();
        DescribeConfigsResponseData r = new DescribeConfigsResponseData().setThrottleTimeMs(0);
        for (DescribeConfigsRequestData.DescribeConfigsResource res : d.resources()) {
            DescribeConfigsResponseData.DescribeConfigsResult out = new DescribeConfigsResponseData.DescribeConfigsResult()
                    .setResourceType(res.resourceType()).setResourceName(res.resourceName()).setConfigs(new ArrayList<>());
            Set<String> keys = res.configurationKeys() == null ? null : new LinkedHashSet<>(res.configurationKeys());
            try {
                if (res.resourceType() == TOPIC) {
                    Topic t = engine.topic(res.resourceName()).orElseThrow(() -> Errors.UNKNOWN_TOPIC_OR_PARTITION.exception());
                    TopicConfig tc = t.config();
                    for (Map.Entry<String, String> e : tc.values().entrySet()) {
                        if (keys == null || keys.contains(e.getKey())) {
                            out.configs().add(entry(e.getKey(), e.getValue(), false, source(tc, e.getKey()), typeOf(e.getKey()), v));
                        }
                    }
                } else if (res.resourceType() == BROKER) {
                    if (!res.resourceName().isEmpty() && !res.resourceName().equals(Integer.toString(config.nodeId()))) {
                        throw Errors.INVALID_REQUEST.exception("Unknown broker " + res.resourceName());
                    }
                    for (Map.Entry<String, String> e : brokerConfigs().entrySet()) {
                        if (keys == null || keys.contains(e.getKey())) {
                            out.configs().add(entry(e.getKey(), e.getValue(), true, DescribeConfigsResponse.ConfigSource.STATIC_BROKER_CONFIG,
                                    e.getKey().endsWith("enable") ? DescribeConfigsResponse.ConfigType.BOOLEAN : DescribeConfigsResponse.ConfigType.INT, v));
                        }
                    }
                } else {
                    throw Errors.INVALID_REQUEST.exception("Unsupported resource type " + res.resourceType());
                }
            } catch (RuntimeException e) {
                out.setErrorCode(error(e).code()).setErrorMessage(e.getMessage()).setConfigs(new ArrayList<>());
            }
            r.results().add(out);
        }
        return new DescribeConfigsResponse(r);
    }

    private Map<String, String> brokerConfigs() {
        Map<String, String> m = new java.util.TreeMap<>();
        m.put("broker.id", Integer.toString(config.nodeId()));
        m.put("node.id", Integer.toString(config.nodeId()));
        m.put("auto.create.topics.enable", Boolean.toString(config.autoCreateTopics()));
        m.put("num.partitions", Integer.toString(config.defaultPartitions()));
        m.put("socket.request.max.bytes", Integer.toString(config.maxFrameBytes()));
        m.put("group.min.session.timeout.ms", Integer.toString(config.groupMinSessionTimeoutMs()));
        m.put("group.max.session.timeout.ms", Integer.toString(config.groupMaxSessionTimeoutMs()));
        m.put("group.initial.rebalance.delay.ms", Integer.toString(config.groupInitialRebalanceDelayMs()));
        m.put("offsets.topic.num.partitions", Integer.toString(config.offsetsTopicPartitions()));
        m.put("offsets.topic.replication.factor", "1");
        m.put("default.replication.factor", "1");
        m.put("min.insync.replicas", "1");
        return m;
    }

    private static DescribeConfigsResponseData.DescribeConfigsResourceResult entry(String name, String value, boolean readOnly,
            DescribeConfigsResponse.ConfigSource source, DescribeConfigsResponse.ConfigType type, short v) {
        DescribeConfigsResponseData.DescribeConfigsResourceResult e = new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                .setName(name).setValue(value).setReadOnly(readOnly).setIsSensitive(false).setConfigSource(source.id())
                .setSynonyms(new ArrayList<>());
        if (v >= 3) {
            e.setConfigType(type.id()).setDocumentation(null);
        }
        return e;
    }

    private static DescribeConfigsResponse.ConfigType typeOf(String name) {
        return switch (name) {
            case TopicConfig.CLEANUP_POLICY -> DescribeConfigsResponse.ConfigType.LIST;
            case TopicConfig.MESSAGE_TIMESTAMP_TYPE -> DescribeConfigsResponse.ConfigType.STRING;
            case TopicConfig.SEGMENT_BYTES, TopicConfig.SEGMENT_INDEX_BYTES, TopicConfig.INDEX_INTERVAL_BYTES,
                 TopicConfig.MAX_MESSAGE_BYTES -> DescribeConfigsResponse.ConfigType.INT;
            default -> DescribeConfigsResponse.ConfigType.LONG;
        };
    }

    private AbstractResponse incrementalAlterConfigs(IncrementalAlterConfigsRequest request) {
        IncrementalAlterConfigsRequestData d = request.data();
        IncrementalAlterConfigsResponseData r = new IncrementalAlterConfigsResponseData().setThrottleTimeMs(0);
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource res : d.resources()) {
            IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse out = new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(res.resourceType()).setResourceName(res.resourceName());
            try {
                if (res.resourceType() != TOPIC) {
                    throw Errors.INVALID_REQUEST.exception("Only topic configs can be altered (resource type "
                            + res.resourceType() + " is read-only here)");
                }
                Topic t = engine.topic(res.resourceName()).orElseThrow(() -> Errors.UNKNOWN_TOPIC_OR_PARTITION.exception());
                Map<String, String> changes = new HashMap<>();
                for (IncrementalAlterConfigsRequestData.AlterableConfig c : res.configs()) {
                    switch (c.configOperation()) {
                        case 0 -> changes.put(c.name(), c.value());
                        case 1 -> changes.put(c.name(), null);
                        case 2, 3 -> {
                            if (!c.name().equals(TopicConfig.CLEANUP_POLICY)) {
                                throw Errors.INVALID_CONFIG.exception("APPEND and SUBTRACT apply only to list configs, not " + c.name());
                            }
                            String current = changes.containsKey(c.name()) && changes.get(c.name()) != null
                                    ? changes.get(c.name()) : t.config().get(c.name());
                            LinkedHashSet<String> items = new LinkedHashSet<>(Arrays.asList(current.replace(" ", "").split(",")));
                            List<String> given = c.value() == null ? List.of() : Arrays.asList(c.value().replace(" ", "").split(","));
                            if (c.configOperation() == 2) {
                                items.addAll(given);
                            } else {
                                items.removeAll(given);
                            }
                            items.remove("");
                            changes.put(c.name(), String.join(",", items));
                        }
                        default -> throw Errors.INVALID_REQUEST.exception("Unknown config operation " + c.configOperation());
                    }
                }
                if (d.validateOnly()) {
                    t.config().with(changes);
                } else {
                    engine.alterTopicConfig(t.name(), changes);
                }
            } catch (RuntimeException e) {
                out.setErrorCode(error(e).code()).setErrorMessage(e.getMessage());
            }
            r.responses().add(out);
        }
        return new IncrementalAlterConfigsResponse(r);
    }

    private AbstractResponse describeCluster(DescribeClusterRequest request, short v) {
        DescribeClusterResponseData.DescribeClusterBrokerCollection brokers = new DescribeClusterResponseData.DescribeClusterBrokerCollection();
        brokers.add(new DescribeClusterResponseData.DescribeClusterBroker().setBrokerId(config.nodeId())
                .setHost(config.advertised()).setPort(broker.port()).setRack(null));
        DescribeClusterResponseData r = new DescribeClusterResponseData().setThrottleTimeMs(0)
                .setErrorCode(Errors.NONE.code()).setClusterId(config.clusterId()).setControllerId(config.nodeId())
                .setBrokers(brokers);
        if (v >= 1) {
            r.setEndpointType(request.data().endpointType());
        }
        return new DescribeClusterResponse(r);
    }

    private AbstractResponse deleteRecords(DeleteRecordsRequest request) {
        DeleteRecordsResponseData r = new DeleteRecordsResponseData().setThrottleTimeMs(0);
        for (DeleteRecordsRequestData.DeleteRecordsTopic t : request.data().topics()) {
            DeleteRecordsResponseData.DeleteRecordsTopicResult tr = new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(t.name());
            Topic topic = engine.topic(t.name()).orElse(null);
            for (DeleteRecordsRequestData.DeleteRecordsPartition p : t.partitions()) {
                DeleteRecordsResponseData.DeleteRecordsPartitionResult pr = new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                        .setPartitionIndex(p.partitionIndex()).setLowWatermark(-1);
                try {
                    if (topic == null) {
                        throw Errors.UNKNOWN_TOPIC_OR_PARTITION.exception();
                    }
                    PartitionLog log = topic.partition(p.partitionIndex());
                    long offset = p.offset() == -1 ? log.highWatermark() : p.offset();
                    pr.setLowWatermark(log.deleteRecordsBefore(offset));
                } catch (RuntimeException e) {
                    pr.setErrorCode(error(e).code());
                }
                tr.partitions().add(pr);
            }
            r.topics().add(tr);
        }
        return new DeleteRecordsResponse(r);
    }
}
