package io.cairn.sdk.serialization;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.log.store.EventData;
import io.cairn.log.store.StoredEvent;
import io.cairn.sdk.EventMessage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Events to and from JSON (Jackson), with their type names, revisions and upcasters.
 *
 * <p>Stored format of an event: the payload is the UTF-8 JSON of the event object as Jackson writes it (records
 * by their components, beans by their properties); the record headers carry the event type name
 * ({@link EventType}, default the simple class name) and the payload revision ({@link Revision}, default 0). Unknown
 * JSON properties are ignored on read, so adding a field needs no revision; renaming or reshaping one does, with an
 * {@link Upcaster} from the previous revision.
 *
 * <p>Reading: while an upcaster is registered for the stored (type, revision), the payload is parsed to a JSON tree
 * once and passed through the chain; the resulting type name must be a registered class at exactly the resulting
 * revision, else the read fails with a {@link SerializationException} naming both. A payload that needs no upcasting
 * is bound straight from its bytes.
 *
 * <p>Thread-safe: register types and upcasters at start-up, then share one instance.
 */
public final class EventSerializer {

    private final ObjectMapper mapper;
    private final Map<String, Class<?>> classesByName = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, Upcaster>> upcasters = new ConcurrentHashMap<>();
    private final ClassValue<TypeInfo> types = new ClassValue<>() {
        @Override
        protected TypeInfo computeValue(Class<?> type) {
            EventType name = type.getAnnotation(EventType.class);
            Revision revision = type.getAnnotation(Revision.class);
            String typeName = name == null ? type.getSimpleName() : name.value();
            if (typeName.isBlank()) {
                throw new IllegalArgumentException("event class " + type.getName() + " has a blank event type name");
            }
            int rev = revision == null ? 0 : revision.value();
            if (rev < 0) {
                throw new IllegalArgumentException("event class " + type.getName() + " has a negative revision " + rev);
            }
            return new TypeInfo(typeName, rev, mapper.readerFor(type), mapper.writerFor(type));
        }
    };

    private record TypeInfo(String name, int revision, ObjectReader reader, ObjectWriter writer) {
    }

    /** A serializer with the project's default JSON settings (unknown properties ignored). */
    public EventSerializer() {
        this(defaultMapper());
    }

    /** A serializer on the caller's mapper (e.g. with extra modules registered). */
    public EventSerializer(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /** Jackson settings the SDK uses for events. */
    public static ObjectMapper defaultMapper() {
        return new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }

    /** The mapper used for payloads. */
    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Makes {@code type} readable under its event type name. Registering the same class twice is a no-op; another
     * class under a taken name is an error (two classes cannot share one stored name).
     */
    public EventSerializer register(Class<?> type) {
        String name = types.get(type).name();
        Class<?> previous = classesByName.putIfAbsent(name, type);
        if (previous != null && previous != type) {
            throw new IllegalStateException("event type name '" + name + "' is used by both " + previous.getName()
                    + " and " + type.getName() + "; give one of them another @EventType");
        }
        return this;
    }

    /** Adds an upcaster; at most one per (event type, from revision). */
    public EventSerializer register(Upcaster upcaster) {
        Upcaster previous = upcasters.computeIfAbsent(upcaster.eventType(), k -> new ConcurrentHashMap<>())
                .putIfAbsent(upcaster.fromRevision(), upcaster);
        if (previous != null && previous != upcaster) {
            throw new IllegalStateException("two upcasters for " + upcaster.eventType() + " revision "
                    + upcaster.fromRevision() + ": " + previous + " and " + upcaster);
        }
        return this;
    }

    /** The stored type name of an event class. */
    public String typeName(Class<?> type) {
        return types.get(type).name();
    }

    /** The current revision of an event class. */
    public int revision(Class<?> type) {
        return types.get(type).revision();
    }

    /** The class registered under a type name, or null. */
    public Class<?> classOf(String typeName) {
        return classesByName.get(typeName);
    }

    /** The event as it is appended; registers its class if new. */
    public EventData serialize(Object event, Map<String, String> metadata) {
        Objects.requireNonNull(event, "event");
        TypeInfo info = types.get(event.getClass());
        Class<?> known = classesByName.putIfAbsent(info.name(), event.getClass());
        if (known != null && known != event.getClass()) {
            throw new IllegalStateException("event type name '" + info.name() + "' is used by both " + known.getName()
                    + " and " + event.getClass().getName() + "; give one of them another @EventType");
        }
        try {
            return new EventData(info.name(), info.revision(), info.writer().writeValueAsBytes(event), metadata);
        } catch (JsonProcessingException e) {
            throw new SerializationException("cannot write event " + event.getClass().getName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** A stored event's payload, upcast to its current revision and bound to its class. */
    public Object deserialize(String eventType, int revision, byte[] payload) {
        return read(eventType, revision, payload).payload();
    }

    /**
     * The payloads of many stored events, in order, each upcast and bound as {@link #deserialize} would. Events that
     * need no upcasting are read through one JSON parser over all their payloads (creating a parser per small payload
     * was the larger part of the cost); if that fails, each event is read on its own so the error names it.
     */
    public List<Object> deserializeAll(List<StoredEvent> events) {
        List<Object> out = new ArrayList<>(events.size());
        int from = 0;
        while (from < events.size()) {
            int to = from;
            int bytes = 0;
            while (to < events.size() && (to == from || bytes + events.get(to).payload().length < CHUNK_BYTES)) {
                bytes += events.get(to++).payload().length + 1;
            }
            readChunk(events.subList(from, to), bytes, out);
            from = to;
        }
        return out;
    }

    /**
     * Payload bytes bound through one parser: large enough to amortise the parser, small enough to stay a plain
     * young-generation array (a multi-megabyte one would be a humongous allocation for G1).
     */
    private static final int CHUNK_BYTES = 64 * 1024;

    private void readChunk(List<StoredEvent> events, int bytes, List<Object> out) {
        byte[] all = new byte[bytes];
        long[] ends = new long[events.size()];
        int at = 0;
        for (int i = 0; i < events.size(); i++) {
            byte[] payload = events.get(i).payload();
            System.arraycopy(payload, 0, all, at, payload.length);
            at += payload.length;
            ends[i] = at;
            all[at++] = ' ';
        }
        int mark = out.size();
        try (JsonParser parser = mapper.createParser(all)) {
            for (int i = 0; i < events.size(); i++) {
                StoredEvent e = events.get(i);
                parser.nextToken();
                TypeInfo direct = upcasters.isEmpty() || !upcasters.containsKey(e.eventType()) ? directType(e) : null;
                Object value;
                if (direct != null) {
                    value = direct.reader().readValue(parser);
                } else {
                    parser.skipChildren();
                    value = read(e.eventType(), e.revision(), e.payload()).payload();
                }
                // each value must end exactly where its payload ends (an empty or multi-value payload would shift
                // every later event onto the wrong bytes): otherwise read one by one
                if (parser.currentLocation().getByteOffset() != ends[i]) {
                    throw new SerializationException("payload of event " + e.sequence() + " is not one JSON value");
                }
                out.add(value);
            }
        } catch (IOException | RuntimeException chunkFailed) {
            out.subList(mark, out.size()).clear();
            for (StoredEvent e : events) {
                out.add(read(e.eventType(), e.revision(), e.payload()).payload());
            }
        }
    }

    /** The type to bind a stored event to when no upcaster applies and the revision matches, else null. */
    private TypeInfo directType(StoredEvent e) {
        Class<?> type = classesByName.get(e.eventType());
        if (type == null) {
            return null;
        }
        TypeInfo info = types.get(type);
        return info.revision() == e.revision() ? info : null;
    }

    /**
     * Stored events as messages for handlers, bound as by {@link #deserializeAll} (one parser for the batch). The
     * messages name each event's type and revision as stored when no upcaster changed them.
     */
    public List<EventMessage<Object>> toMessages(String topic, List<StoredEvent> events) {
        if (!upcasters.isEmpty()) {
            List<EventMessage<Object>> out = new ArrayList<>(events.size());
            for (StoredEvent e : events) {
                out.add(toMessage(topic, e));
            }
            return out;
        }
        List<Object> payloads = deserializeAll(events);
        List<EventMessage<Object>> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            StoredEvent e = events.get(i);
            out.add(new EventMessage<>(topic, e.aggregateType(), e.aggregateId(), e.sequence(), e.eventType(), e.revision(),
                    payloads.get(i), e.metadata(), e.timestamp(), e.partition(), e.offset()));
        }
        return out;
    }

    /** A stored event as a message for handlers (payload upcast and bound). */
    public EventMessage<Object> toMessage(String topic, StoredEvent event) {
        Read read = read(event.eventType(), event.revision(), event.payload());
        return new EventMessage<>(topic, event.aggregateType(), event.aggregateId(), event.sequence(), read.type(),
                read.revision(), read.payload(), event.metadata(), event.timestamp(), event.partition(), event.offset());
    }

    private record Read(String type, int revision, Object payload) {
    }

    private Read read(String eventType, int revision, byte[] payload) {
        String name = eventType;
        int rev = revision;
        ObjectNode tree = null;
        Map<Integer, Upcaster> chain = upcasters.isEmpty() ? null : upcasters.get(name);
        Upcaster next = chain == null ? null : chain.get(rev);
        while (next != null) {
            if (tree == null) {
                tree = parseObject(eventType, revision, payload);
            }
            try {
                tree = Objects.requireNonNull(next.upcast(tree), "upcaster returned null");
            } catch (RuntimeException e) {
                throw new SerializationException("upcaster " + next + " failed on " + name + " revision " + rev, e);
            }
            name = next.toEventType();
            rev++;
            chain = upcasters.get(name);
            next = chain == null ? null : chain.get(rev);
        }
        Class<?> type = classesByName.get(name);
        if (type == null) {
            throw new SerializationException("unknown event type '" + name + "' (stored as '" + eventType
                    + "' revision " + revision + "): no class registered under that name");
        }
        TypeInfo info = types.get(type);
        if (info.revision() != rev) {
            throw new SerializationException("event type '" + name + "' stored at revision " + revision
                    + (rev != revision ? " (upcast to " + rev + ")" : "") + " but " + type.getName()
                    + " is at revision " + info.revision() + " and no upcaster reads revision " + rev);
        }
        try {
            Object value = tree == null ? info.reader().readValue(payload) : info.reader().readValue(tree);
            return new Read(name, rev, value);
        } catch (IOException e) {
            throw new SerializationException("cannot read event '" + name + "' revision " + rev + " as "
                    + type.getName() + ": " + e.getMessage(), e);
        }
    }

    private ObjectNode parseObject(String eventType, int revision, byte[] payload) {
        try {
            JsonNode node = mapper.readTree(payload);
            if (node instanceof ObjectNode object) {
                return object;
            }
            throw new SerializationException("event '" + eventType + "' revision " + revision
                    + " is not a JSON object, cannot upcast it: " + node);
        } catch (IOException e) {
            throw new SerializationException("event '" + eventType + "' revision " + revision
                    + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
