package io.cairn.cdc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.common.utils.Utils;

import io.cairn.log.LogEngine;
import io.cairn.log.Topic;

/** Reads a topic back for assertions: key and value as JSON (null value = tombstone) and the position header. */
final class TopicRecords {
    static final ObjectMapper JSON = new ObjectMapper();

    record Rec(int partition, long offset, JsonNode key, JsonNode value, SourcePosition position) {
        String op() {
            return value == null ? null : value.path("op").asText();
        }
    }

    private TopicRecords() {
    }

    static List<Rec> read(LogEngine engine, String topic) {
        List<Rec> out = new ArrayList<>();
        if (engine.topic(topic).isEmpty()) {
            return out;
        }
        Topic t = engine.requireTopic(topic);
        for (int p = 0; p < t.partitionCount(); p++) {
            int partition = p;
            LogIo.readAll(t.partition(p), r -> {
                byte[] h = CdcStorage.headerValue(r, SourcePosition.HEADER);
                out.add(new Rec(partition, r.offset(), r.hasKey() ? parse(Utils.toArray(r.key())) : null,
                        r.hasValue() ? parse(Utils.toArray(r.value())) : null, h == null ? null : SourcePosition.decode(h)));
            });
        }
        return out;
    }

    static JsonNode parse(byte[] b) {
        try {
            return JSON.readTree(new String(b, StandardCharsets.UTF_8));
        } catch (Exception ex) {
            throw new AssertionError("Not JSON: " + new String(b, StandardCharsets.UTF_8), ex);
        }
    }
}
