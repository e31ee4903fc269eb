package io.cairn.sdk.remote;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.log.LogException;
import io.cairn.log.store.AppendResult;
import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventRecords;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The {@link EventStore} of a Cairn server in another JVM, so the domain SDK (command gateway, repositories,
 * snapshots, tracking processors, sagas) runs apart from the log. Each operation goes where the server serves it best
 * (docs/event-store.md, "Remote event store"):
 * <ul>
 *   <li>appends: conditional produces over the Kafka protocol (the {@code cairn-expected-sequence} header, one record
 *   batch per append, acks=all, idempotent producers); a conflict comes back as {@link ConcurrencyConflictException};</li>
 *   <li>{@link #read}, {@link #readLast}, {@link #lastSequence}: REST ({@code GET /api/aggregates/{topic}/events?aggregateId=}),
 *   served by the server's per-partition aggregate index, so only the aggregate's own batches are read;</li>
 *   <li>{@link #readPartition}, {@link #endOffset}, {@link #partitionCount}: Kafka consumers (assign, seek, poll);</li>
 *   <li>{@link #ensureTopic}: Kafka's CreateTopics with the topic configs the in-process store uses.</li>
 * </ul>
 *
 * <p>An append must reach the broker as exactly one record batch holding only its own events (the broker checks the
 * expected sequence of the batch's first record for the whole batch). A Kafka producer batches what it is given per
 * partition, so each append takes a producer of a pool for itself: it sends the events (lingering, so they stay in one
 * batch), flushes, and gives the producer back. {@link Builder#producers} bounds the appends in flight.
 *
 * <p>Errors: bad input is {@link IllegalArgumentException} (checked here as in-process, before anything is sent, or
 * the server's 400 / refused batch); an unknown topic is {@link LogException.UnknownTopicException}; an append whose
 * outcome is unknown (timed out, connection lost) is a {@link LogException} saying so; other server errors are
 * {@link LogException}s with the server's message. Thread-safe; close it to release the clients.
 */
public final class RemoteEventStore implements EventStore, AutoCloseable {
    /** Retries of an {@link EventStore#ANY} append that lost a race, as in-process. */
    private static final int MAX_ANY_RETRIES = 1_000;
    /** Record batch and per-record overheads (upper bounds) when checking that an append fits one batch. */
    private static final int BATCH_OVERHEAD = 61;
    private static final int RECORD_OVERHEAD = 21 + 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI aggregatesBase;
    private final String bootstrapServers;
    private final Duration timeout;
    private final int maxAppendBytes;
    private final Map<String, String> kafkaProperties;
    private final HttpClient http;
    private final Semaphore producerPermits;
    private final LinkedBlockingDeque<KafkaProducer<byte[], byte[]>> idleProducers = new LinkedBlockingDeque<>();
    private final List<KafkaProducer<byte[], byte[]>> allProducers = new ArrayList<>();
    private final LinkedBlockingDeque<PooledConsumer> idleConsumers = new LinkedBlockingDeque<>();
    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();
    private final ExecutorService asyncAppends;
    private final AtomicInteger clientIds = new AtomicInteger();
    private volatile Admin admin;
    private volatile boolean closed;

    private RemoteEventStore(Builder b) {
        String base = b.restBase.toString();
        this.aggregatesBase = URI.create((base.endsWith("/") ? base : base + "/") + "aggregates/");
        this.bootstrapServers = b.bootstrapServers;
        this.timeout = b.timeout;
        this.maxAppendBytes = b.maxAppendBytes;
        this.kafkaProperties = Map.copyOf(b.kafkaProperties);
        // HTTP/1.1: the client's default h2c upgrade on plain http made Liberty fail requests under concurrency
        // (they lost their scheme and came back as 400s without a body).
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(b.timeout).build();
        this.producerPermits = new Semaphore(b.producers);
        this.asyncAppends = Executors.newFixedThreadPool(b.producers, r -> {
            Thread t = new Thread(r, "cairn-remote-append-" + clientIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A store on the server at {@code restBase} (its REST root, e.g. {@code http://host:9080/api/}) whose Kafka listener
     * is at {@code bootstrapServers}, with default settings. Nothing connects until the first call.
     */
    public static RemoteEventStore connect(URI restBase, String bootstrapServers) {
        return builder(restBase, bootstrapServers).build();
    }

    public static Builder builder(URI restBase, String bootstrapServers) {
        return new Builder(restBase, bootstrapServers);
    }

    /** Settings of a {@link RemoteEventStore}. Not thread-safe. */
    public static final class Builder {
        private final URI restBase;
        private final String bootstrapServers;
        private Duration timeout = Duration.ofSeconds(30);
        private int producers = 4;
        private int maxAppendBytes = 1 << 20;
        private final Map<String, String> kafkaProperties = new HashMap<>();

        private Builder(URI restBase, String bootstrapServers) {
            this.restBase = Objects.requireNonNull(restBase, "restBase");
            if (!"http".equals(restBase.getScheme()) && !"https".equals(restBase.getScheme())) {
                throw new IllegalArgumentException("The REST base must be an http(s) URI, not " + restBase);
            }
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers must name the server's Kafka listener (host:port)");
            }
            this.bootstrapServers = bootstrapServers;
        }

        /** How long one call may take: HTTP requests, Kafka requests and appends (default 30 s). */
        public Builder timeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, not " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Appends in flight at once, each on a producer of its own (default 4). */
        public Builder producers(int producers) {
            if (producers < 1) {
                throw new IllegalArgumentException("producers must be >= 1, not " + producers);
            }
            this.producers = producers;
            return this;
        }

        /** The largest append in bytes (default 1 MiB; the server's max.message.bytes bounds it too). */
        public Builder maxAppendBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxAppendBytes must be >= 1024, not " + bytes);
            }
            this.maxAppendBytes = bytes;
            return this;
        }

        /** A kafka-clients setting for every client (e.g. security settings); the store's own settings win. */
        public Builder kafkaProperty(String name, String value) {
            kafkaProperties.put(name, value);
            return this;
        }

        public RemoteEventStore build() {
            return new RemoteEventStore(this);
        }
    }

    // ------------------------------------------------------------------------------------------------ append

    @Override
    public AppendResult append(String topic, String aggregateId, long expectedSequence, List<EventData> events) {
        EventRecords.checkAppend(aggregateId, expectedSequence, events);
        requireTopic(topic);
        for (int attempt = 0; ; attempt++) {
            long expected = expectedSequence == ANY ? lastSequence(topic, aggregateId) : expectedSequence;
            try {
                return appendOnce(topic, aggregateId, expected, events);
            } catch (ConcurrencyConflictException c) {
                if (expectedSequence != ANY || attempt >= MAX_ANY_RETRIES) {
                    throw c;
                } // lost the race to another writer: place the events after its
            }
        }
    }

    @Override
    public CompletableFuture<AppendResult> appendAsync(String topic, String aggregateId, long expectedSequence,
                                                       List<EventData> events) {
        try {
            EventRecords.checkAppend(aggregateId, expectedSequence, events);
            checkOpen();
            return CompletableFuture.supplyAsync(() -> append(topic, aggregateId, expectedSequence, events), asyncAppends);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private AppendResult appendOnce(String topic, String aggregateId, long expected, List<EventData> events) {
        List<ProducerRecord<byte[], byte[]>> records = EventRecords.conditionalAppend(topic, aggregateId, expected, events);
        long size = BATCH_OVERHEAD;
        for (ProducerRecord<byte[], byte[]> r : records) {
            size += RECORD_OVERHEAD + r.key().length + (r.value() == null ? 0 : r.value().length);
            for (var h : r.headers()) {
                size += 10 + h.key().length() * 3L + (h.value() == null ? 0 : h.value().length);
            }
        }
        if (size > maxAppendBytes) {
            throw new IllegalArgumentException("The append of " + events.size() + " event(s) to aggregate '" + aggregateId
                    + "' is about " + size + " bytes; a remote append takes at most " + maxAppendBytes
                    + " (maxAppendBytes), and the server's max.message.bytes bounds it too");
        }
        KafkaProducer<byte[], byte[]> producer = borrowProducer();
        boolean healthy = false;
        try {
            List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
            for (ProducerRecord<byte[], byte[]> r : records) {
                sent.add(producer.send(r));
            }
            producer.flush(); // the events were held in one batch (linger); it goes now, alone
            RecordMetadata first = await(sent.get(0), topic, aggregateId, expected);
            RecordMetadata last = await(sent.get(sent.size() - 1), topic, aggregateId, expected);
            healthy = true;
            if (first.partition() != last.partition() || last.offset() - first.offset() != records.size() - 1) {
                throw new LogException("The append to aggregate '" + aggregateId + "' in " + topic + " was not written as"
                        + " one batch (offsets " + first.offset() + ".." + last.offset() + " for " + records.size() + " events)");
            }
            return new AppendResult(first.partition(), first.offset(), last.offset(), expected + events.size());
        } catch (ConcurrencyConflictException | IllegalArgumentException | LogException.UnknownTopicException
                 | LogException.RecordTooLargeException refused) {
            healthy = true; // the broker answered: the producer is fine
            throw refused;
        } finally {
            returnProducer(producer, healthy);
        }
    }

    private RecordMetadata await(Future<RecordMetadata> f, String topic, String aggregateId, long expected) {
        try {
            return f.get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogException("Interrupted while appending to aggregate '" + aggregateId + "' in " + topic
                    + "; the append may or may not have been written", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new LogException("The append to aggregate '" + aggregateId + "' in " + topic + " got no answer within "
                    + timeout.multipliedBy(2) + "; it may or may not have been written", e);
        } catch (ExecutionException e) {
            throw appendError(e.getCause(), topic, aggregateId, expected);
        }
    }

    /** The store's exception for what the producer reported about a conditional append. */
    static RuntimeException appendError(Throwable cause, String topic, String aggregateId, long expected) {
        if (cause instanceof InvalidRecordException) {
            ConcurrencyConflictException conflict = ConcurrencyConflictException.fromMessage(topic, aggregateId, expected,
                    cause.getMessage());
            return conflict != null ? conflict : new IllegalArgumentException("The server refused the append to aggregate '"
                    + aggregateId + "' in " + topic + ": " + cause.getMessage() + "; nothing was appended", cause);
        }
        if (cause instanceof UnknownTopicOrPartitionException) {
            return new LogException.UnknownTopicException("Unknown topic " + topic + ": " + cause.getMessage());
        }
        if (cause instanceof RecordTooLargeException) {
            return new LogException.RecordTooLargeException("The append to aggregate '" + aggregateId + "' in " + topic
                    + " is too large for the server: " + cause.getMessage() + "; nothing was appended");
        }
        if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return new LogException("The append to aggregate '" + aggregateId + "' in " + topic + " timed out ("
                    + cause.getMessage() + "); it may or may not have been written", cause);
        }
        return new LogException("The append to aggregate '" + aggregateId + "' in " + topic + " failed: " + cause, cause);
    }

    private KafkaProducer<byte[], byte[]> borrowProducer() {
        checkOpen();
        try {
            if (!producerPermits.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new LogException("No producer of the remote event store became free within " + timeout
                        + " (all " + allProducers.size() + " busy)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogException("Interrupted while waiting for a producer", e);
        }
        KafkaProducer<byte[], byte[]> p = idleProducers.pollFirst();
        if (p != null) {
            return p;
        }
        try {
            return newProducer();
        } catch (RuntimeException e) {
            producerPermits.release();
            throw e;
        }
    }

    private void returnProducer(KafkaProducer<byte[], byte[]> p, boolean healthy) {
        if (healthy && !closed) {
            idleProducers.addFirst(p);
        } else { // after a timeout or an unknown outcome, a fresh producer rather than one in an unknown state
            synchronized (allProducers) {
                allProducers.remove(p);
            }
            p.close(Duration.ZERO);
        }
        producerPermits.release();
    }

    private KafkaProducer<byte[], byte[]> newProducer() {
        Properties p = baseProperties();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "cairn-remote-store-producer-" + clientIds.incrementAndGet());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"); // retries after a lost answer are deduplicated
        // Lingers far longer than an append takes to hand over, so its events stay in one batch until the flush.
        int request = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        p.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(request));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(request));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.min(Integer.MAX_VALUE, 2L * request + 1)));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(request));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(maxAppendBytes));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(maxAppendBytes + 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
        synchronized (allProducers) {
            if (closed) {
                producer.close(Duration.ZERO);
                throw new LogException.LogClosedException("The remote event store is closed");
            }
            allProducers.add(producer);
        }
        return producer;
    }

    private Properties baseProperties() {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    // ----------------------------------------------------------------------------------------- reads (REST)

    @Override
    public List<StoredEvent> read(String topic, String aggregateId, long fromSequence) {
        return getEvents(topic, aggregateId, "fromSequence=" + Math.max(0, fromSequence)).events;
    }

    @Override
    public Optional<StoredEvent> readLast(String topic, String aggregateId) {
        List<StoredEvent> last = getEvents(topic, aggregateId, "last=true").events;
        return last.isEmpty() ? Optional.empty() : Optional.of(last.get(0));
    }

    @Override
    public long lastSequence(String topic, String aggregateId) {
        return getEvents(topic, aggregateId, "last=true").lastSequence;
    }

    private record Loaded(long lastSequence, List<StoredEvent> events) {
    }

    private Loaded getEvents(String topic, String aggregateId, String query) {
        checkOpen();
        EventRecords.checkAggregateId(aggregateId);
        checkTopicName(topic);
        // The id goes in the query: a URL path cannot carry every id (the server refuses '/', '\\', '#', '..').
        URI uri = aggregatesBase.resolve(encode(topic) + "/events?aggregateId=" + encode(aggregateId) + "&" + query
                + "&payloadEncoding=base64");
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET().build());
        JsonNode body = json(response);
        if (response.statusCode() != 200) {
            if (!body.has("detail") && !body.has("title")) { // not the server's problem document: say what came
                String text = new String(response.body(), StandardCharsets.UTF_8);
                body = JSON.createObjectNode().put("detail", "HTTP " + response.statusCode() + " from " + uri
                        + (text.isBlank() ? "" : ": " + (text.length() > 300 ? text.substring(0, 300) + "..." : text)));
            }
            throw httpError(response.statusCode(), body, "Loading aggregate '" + aggregateId + "' of " + topic);
        }
        String aggregateType = topic;
        List<StoredEvent> events = new ArrayList<>();
        for (JsonNode e : body.path("events")) {
            String payload = e.path("payloadBase64").isTextual() ? e.get("payloadBase64").asText() : null;
            Map<String, String> metadata = new HashMap<>();
            Iterator<Map.Entry<String, JsonNode>> fields = e.path("metadata").fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> m = fields.next();
                metadata.put(m.getKey(), m.getValue().asText());
            }
            events.add(new StoredEvent(e.path("aggregateType").isTextual() ? e.get("aggregateType").asText() : aggregateType,
                    aggregateId, e.path("sequence").asLong(), e.path("type").isTextual() ? e.get("type").asText() : null,
                    e.path("revision").asInt(), payload == null ? null : Base64.getDecoder().decode(payload),
                    Map.copyOf(metadata), e.path("timestamp").asLong(), e.path("partition").asInt(), e.path("offset").asLong()));
        }
        return new Loaded(body.path("lastSequence").asLong(NEW_AGGREGATE), events);
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new LogException("Cannot reach the Cairn server at " + request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogException("Interrupted while calling " + request.uri(), e);
        }
    }

    private static JsonNode json(HttpResponse<byte[]> response) {
        try {
            JsonNode node = JSON.readTree(response.body());
            if (node != null && node.isObject()) {
                return node;
            }
            if (response.statusCode() == 200) {
                throw new LogException("The server's answer from " + response.uri() + " is not a JSON object");
            }
            return JSON.createObjectNode();
        } catch (IOException e) {
            if (response.statusCode() == 200) {
                throw new LogException("The server's answer from " + response.uri() + " is not JSON: " + e.getMessage(), e);
            }
            return JSON.createObjectNode();
        }
    }

    /** The store's exception for a REST problem document (RFC 9457: type, title, status, detail). */
    static RuntimeException httpError(int status, JsonNode problem, String what) {
        String detail = problem.path("detail").asText(problem.path("title").asText("HTTP " + status));
        String message = what + " failed: " + detail;
        return switch (status) {
            case 400 -> new IllegalArgumentException(message);
            case 404 -> new LogException.UnknownTopicException(message);
            case 413 -> new LogException.RecordTooLargeException(message);
            default -> new LogException(message + " (HTTP " + status + ")");
        };
    }

    /** Percent-encoded for a path segment or a query value (a space as %20: '+' means a space only in forms). */
    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void checkTopicName(String topic) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("The topic name must not be empty");
        }
    }

    // ------------------------------------------------------------------------------ topics and partitions

    @Override
    public void ensureTopic(String topic, int partitions, boolean compacted) {
        checkOpen();
        checkTopicName(topic);
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, not " + partitions);
        }
        NewTopic t = new NewTopic(topic, partitions, (short) 1).configs(EventRecords.topicConfigs(compacted));
        try {
            admin().createTopics(List.of(t)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof TopicExistsException) {
                return; // exists (maybe created by someone else meanwhile): fine, as in-process
            }
            if (c instanceof InvalidTopicException || c instanceof InvalidConfigurationException
                    || c instanceof org.apache.kafka.common.errors.InvalidPartitionsException
                    || c instanceof org.apache.kafka.common.errors.InvalidReplicationFactorException
                    || c instanceof org.apache.kafka.common.errors.PolicyViolationException) {
                throw new IllegalArgumentException("Cannot create topic " + topic + ": " + c.getMessage(), c);
            }
            throw new LogException("Cannot create topic " + topic + ": " + c, c);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new LogException("Creating topic " + topic + " got no answer within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogException("Interrupted while creating topic " + topic, e);
        }
    }

    @Override
    public int partitionCount(String topic) {
        checkTopicName(topic);
        PooledConsumer c = borrowConsumer();
        try {
            List<PartitionInfo> partitions = c.consumer.partitionsFor(topic, timeout);
            if (partitions == null || partitions.isEmpty()) {
                throw new LogException.UnknownTopicException("Unknown topic " + topic);
            }
            partitionCounts.put(topic, partitions.size());
            return partitions.size();
        } catch (InvalidTopicException e) {
            throw new IllegalArgumentException("Invalid topic name '" + topic + "': " + e.getMessage(), e);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new LogException("Looking up topic " + topic + " got no answer within " + timeout, e);
        } finally {
            returnConsumer(c);
        }
    }

    /** Fails fast for an unknown topic (a producer would wait for it to appear); known topics are remembered. */
    private void requireTopic(String topic) {
        checkTopicName(topic);
        if (!partitionCounts.containsKey(topic)) {
            partitionCount(topic);
        }
    }

    @Override
    public long endOffset(String topic, int partition) {
        TopicPartition tp = partition(topic, partition);
        PooledConsumer c = borrowConsumer();
        try {
            return c.endOffset(tp);
        } finally {
            returnConsumer(c);
        }
    }

    @Override
    public List<StoredEvent> readPartition(String topic, int partition, long fromOffset, int maxEvents, long maxWaitMillis) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be >= 1, not " + maxEvents);
        }
        TopicPartition tp = partition(topic, partition);
        PooledConsumer c = borrowConsumer(tp);
        try {
            return c.read(tp, Math.max(0, fromOffset), maxEvents, Math.max(0, maxWaitMillis));
        } finally {
            returnConsumer(c);
        }
    }

    private TopicPartition partition(String topic, int partition) {
        checkTopicName(topic);
        int count = partitionCounts.containsKey(topic) ? partitionCounts.get(topic) : partitionCount(topic);
        if (partition < 0 || partition >= count) {
            // the topic may have grown: ask again before refusing
            count = partitionCount(topic);
            if (partition < 0 || partition >= count) {
                throw new IllegalArgumentException("Topic " + topic + " has partitions 0.." + (count - 1) + ", not " + partition);
            }
        }
        return new TopicPartition(topic, partition);
    }

    /** A consumer assigned one partition at a time; it keeps its position, so a reader going on where it stopped needs no seek. */
    private final class PooledConsumer {
        final KafkaConsumer<byte[], byte[]> consumer;
        TopicPartition assigned;

        PooledConsumer(KafkaConsumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
        }

        long endOffset(TopicPartition tp) {
            try {
                Long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
                if (end == null) {
                    throw new LogException.UnknownTopicException("Unknown partition " + tp);
                }
                return end;
            } catch (UnknownTopicOrPartitionException e) {
                throw new LogException.UnknownTopicException("Unknown partition " + tp + ": " + e.getMessage());
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw new LogException("The end offset of " + tp + " got no answer within " + timeout, e);
            }
        }

        List<StoredEvent> read(TopicPartition tp, long from, int maxEvents, long maxWaitMillis) {
            if (!tp.equals(assigned)) {
                consumer.assign(List.of(tp));
                assigned = tp;
            }
            if (!positionIs(tp, from)) {
                consumer.seek(tp, from);
            }
            List<StoredEvent> out = new ArrayList<>();
            long start = System.nanoTime();
            long waitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
            boolean dataKnownToExist = false;
            while (true) {
                long waited = System.nanoTime() - start;
                long left = (dataKnownToExist ? timeout.toNanos() : waitNanos) - waited;
                ConsumerRecords<byte[], byte[]> polled;
                try {
                    polled = consumer.poll(Duration.ofNanos(Math.max(0, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)))));
                } catch (org.apache.kafka.clients.consumer.OffsetOutOfRangeException
                         | org.apache.kafka.clients.consumer.NoOffsetForPartitionException e) {
                    long begin = consumer.beginningOffsets(List.of(tp), timeout).getOrDefault(tp, 0L);
                    if (from < begin) {
                        from = begin; // retention removed what was asked for: go on at what remains, as in-process
                        consumer.seek(tp, from);
                        continue;
                    }
                    consumer.seek(tp, from);
                    return out; // beyond the end: nothing yet
                } catch (UnknownTopicOrPartitionException e) {
                    throw new LogException.UnknownTopicException("Unknown partition " + tp + ": " + e.getMessage());
                }
                for (ConsumerRecord<byte[], byte[]> r : polled.records(tp)) {
                    if (r.offset() >= from && out.size() < maxEvents) {
                        out.add(EventRecords.decode(r));
                    }
                }
                if (!out.isEmpty()) {
                    if (out.size() < polled.records(tp).size()) {
                        consumer.seek(tp, out.get(out.size() - 1).offset() + 1); // the rest is read again next time
                    }
                    return out;
                }
                if (System.nanoTime() - start >= (dataKnownToExist ? timeout.toNanos() : waitNanos)) {
                    if (!dataKnownToExist && endOffset(tp) > from) {
                        dataKnownToExist = true; // there is something to read: wait for the fetch, not for new events
                        continue;
                    }
                    return out;
                }
            }
        }

        private boolean positionIs(TopicPartition tp, long offset) {
            try {
                return consumer.position(tp, Duration.ZERO) == offset;
            } catch (RuntimeException noPositionYet) {
                return false;
            }
        }
    }

    private PooledConsumer borrowConsumer() {
        return borrowConsumer(null);
    }

    /** An idle consumer, preferably one already on {@code tp}; a new one if none is idle. */
    private PooledConsumer borrowConsumer(TopicPartition tp) {
        checkOpen();
        if (tp != null) {
            for (PooledConsumer c : idleConsumers) {
                if (tp.equals(c.assigned) && idleConsumers.remove(c)) {
                    return c;
                }
            }
        }
        PooledConsumer c = idleConsumers.pollFirst();
        return c != null ? c : newConsumer();
    }

    private void returnConsumer(PooledConsumer c) {
        if (closed) {
            c.consumer.close(Duration.ZERO);
        } else {
            idleConsumers.addFirst(c);
        }
    }

    private PooledConsumer newConsumer() {
        Properties p = baseProperties();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cairn-remote-store-consumer-" + clientIds.incrementAndGet());
        p.remove(ConsumerConfig.GROUP_ID_CONFIG); // assign and seek: no group, nothing committed
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        int request = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(request));
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(request));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new PooledConsumer(new KafkaConsumer<>(p));
    }

    private Admin admin() {
        Admin a = admin;
        if (a == null) {
            synchronized (this) {
                checkOpen();
                if (admin == null) {
                    Properties p = baseProperties();
                    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "cairn-remote-store-admin-" + clientIds.incrementAndGet());
                    int request = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
                    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(request));
                    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(request));
                    admin = Admin.create(p);
                }
                a = admin;
            }
        }
        return a;
    }

    private void checkOpen() {
        if (closed) {
            throw new LogException.LogClosedException("The remote event store is closed");
        }
    }

    /** Closes the Kafka clients (appends in flight finish or fail first, within the timeout). */
    @Override
    public void close() {
        closed = true;
        asyncAppends.shutdown();
        try {
            asyncAppends.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Collection<KafkaProducer<byte[], byte[]>> producers;
        synchronized (allProducers) {
            producers = List.copyOf(allProducers);
            allProducers.clear();
        }
        producers.forEach(p -> p.close(timeout));
        idleProducers.clear();
        // A consumer is not thread-safe: idle ones are closed here, busy ones by their reader when it returns them.
        PooledConsumer c;
        while ((c = idleConsumers.pollFirst()) != null) {
            c.consumer.close(Duration.ZERO);
        }
        synchronized (this) {
            if (admin != null) {
                admin.close(timeout);
            }
        }
    }

    @Override
    public String toString() {
        return "RemoteEventStore(" + aggregatesBase + ", " + bootstrapServers + ")";
    }
}
