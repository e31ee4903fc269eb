package io.cairn.cdc;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A connector as defined by its user, durable in the topic {@value CdcStorage#CONNECTORS}.
 *
 * <p>Stored format (the record's value, UTF-8 JSON; its key is the name):
 * <pre>
 *   {"name": "orders-db", "uid": "3f2a…", "paused": false, "config": {"type": "postgres", …}}
 * </pre>
 * {@code uid} is made when the connector is created: the engine is named {@code <name>-<uid>}, so a connector deleted
 * and created again under the same name starts afresh instead of finding the old one's offsets and schema history.
 *
 * @param config the user's properties, as given
 */
record ConnectorDefinition(String name, String uid, boolean paused, Map<String, String> config) {
    private static final ObjectMapper JSON = new ObjectMapper();

    ConnectorDefinition {
        config = Map.copyOf(new TreeMap<>(config));
    }

    String engineName() {
        return name + "-" + uid;
    }

    ConnectorDefinition withPaused(boolean p) {
        return new ConnectorDefinition(name, uid, p, config);
    }

    byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(Map.of("name", name, "uid", uid, "paused", paused, "config", new TreeMap<>(config)));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static ConnectorDefinition fromJson(byte[] json) {
        try {
            Stored s = JSON.readValue(json, Stored.class);
            return new ConnectorDefinition(s.name, s.uid, s.paused, s.config == null ? Map.of() : s.config);
        } catch (IOException ex) {
            throw new CdcException("Unreadable connector definition in " + CdcStorage.CONNECTORS + ": " + ex.getMessage(), ex);
        }
    }

    private static final class Stored {
        public String name;
        public String uid;
        public boolean paused;
        public Map<String, String> config;
    }
}
