package io.cairn.sdk.serialization;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;

/**
 * Aggregate state to and from JSON, by fields (not getters: aggregates have no setters and often no getters). Used
 * for snapshots and for the test fixture's replay check, which compares two states as JSON trees.
 *
 * <p>Format: one JSON object per aggregate instance with every non-static, non-transient field under its name
 * (private fields included), in declaration order; records by their components. Reading needs a no-argument
 * constructor (any visibility) for classes, the canonical constructor for records. Thread-safe.
 */
public final class StateMapper {

    private final ObjectMapper mapper;

    public StateMapper() {
        this.mapper = JsonMapper.builder()
                .visibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
                .visibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
                .configure(MapperFeature.CAN_OVERRIDE_ACCESS_MODIFIERS, true)
                .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, false)
                .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
                .build();
    }

    /** The state as a JSON tree. */
    public JsonNode toTree(Object state) {
        return mapper.valueToTree(state);
    }

    /** The state as JSON bytes. */
    public byte[] toBytes(Object state) {
        try {
            return mapper.writeValueAsBytes(state);
        } catch (IOException e) {
            throw new SerializationException("cannot write state of " + state.getClass().getName() + " as JSON: "
                    + e.getMessage(), e);
        }
    }

    /** A state read back from {@link #toTree} (sagas keep their state as a tree inside a larger document). */
    public <S> S fromTree(JsonNode tree, Class<S> type) {
        try {
            return mapper.treeToValue(tree, type);
        } catch (IOException e) {
            throw new SerializationException("cannot read state of " + type.getName() + " from JSON: "
                    + e.getMessage(), e);
        }
    }

    /** A state read back from {@link #toBytes}. */
    public <S> S fromBytes(byte[] json, Class<S> type) {
        try {
            return mapper.readValue(json, type);
        } catch (IOException e) {
            throw new SerializationException("cannot read state of " + type.getName() + " from JSON: "
                    + e.getMessage(), e);
        }
    }
}
