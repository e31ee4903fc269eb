package io.cairn.server.topics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Body of {@code POST /api/topics}: {@code {"name": "orders", "partitions": 3, "configs": {"retention.ms": "86400000"}}}.
 * {@code partitions} defaults to {@code cairn.default.partitions}; config values may be strings, numbers or booleans
 * (Kafka's topic configs are text; numbers are accepted for convenience).
 */
@Schema(name = "NewTopic", description = "A topic to create")
public record NewTopic(
        @Schema(required = true, example = "orders", description = "1 to 249 characters of [a-zA-Z0-9._-]") String name,
        @Schema(example = "3", description = "Partition count; default cairn.default.partitions") Integer partitions,
        @Schema(description = "Topic configs by their Kafka names, e.g. retention.ms, cleanup.policy, flush.messages") Map<String, String> configs) {

    private static final Set<String> FIELDS = Set.of("name", "partitions", "configs");

    static NewTopic parse(byte[] body, int defaultPartitions) {
        JsonObject o = JsonBodies.object(JsonBodies.parse(body), "The topic");
        JsonBodies.onlyKnownFields(o, FIELDS, "The topic");
        String name = JsonBodies.optionalString(o, "name", "topic");
        if (name == null) {
            throw JsonBodies.invalid("topic.name is required");
        }
        Integer partitions = JsonBodies.optionalInt(o, "partitions", 1, Integer.MAX_VALUE, "topic");
        Map<String, String> configs = new LinkedHashMap<>();
        JsonValue c = o.get("configs");
        if (c != null && c.getValueType() != JsonValue.ValueType.NULL) {
            JsonBodies.object(c, "topic.configs").forEach((k, v) -> configs.put(k, configValue(k, v)));
        }
        return new NewTopic(name, partitions == null ? defaultPartitions : partitions, Map.copyOf(configs));
    }

    private static String configValue(String key, JsonValue v) {
        return switch (v.getValueType()) {
            case STRING -> ((JsonString) v).getString();
            case NUMBER, TRUE, FALSE -> v.toString();
            default -> throw JsonBodies.invalid("topic.configs." + key + " must be a string, number or boolean, not " + JsonBodies.kind(v));
        };
    }
}
