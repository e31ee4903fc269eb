package io.cairn.cdc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;

/**
 * A connector's configuration: what the user gave (Debezium's own properties plus a few of Cairn's), checked, and
 * turned into the properties the embedded engine runs with.
 *
 * <p>Cairn's properties:
 * <ul>
 *   <li>{@code type}: {@code postgres} or {@code mariadb} (or Debezium's {@code connector.class});
 *   <li>{@code cairn.topic.pattern}: the topic of a table, default {@code {prefix}.{schema}.{table}}; {@code {schema}}
 *       is the PostgreSQL schema or the MariaDB database;
 *   <li>{@code cairn.topic.partitions}: partitions of each table topic created, default 1.
 * </ul>
 * Everything else goes to Debezium, after Cairn's defaults (pgoutput, an initial snapshot, heartbeats every 10 s with a
 * logical message on PostgreSQL, decimals as strings, 10 ms polls, offsets flushed every second). The properties that
 * would take the engine's state out of the log ({@code offset.storage*}, {@code schema.history.internal*}) or rename
 * it ({@code name}) are Cairn's and refused.
 *
 * <p>Immutable.
 */
public final class ConnectorConfig {
    public static final String TYPE = "type";
    public static final String TOPIC_PATTERN = "cairn.topic.pattern";
    public static final String TOPIC_PARTITIONS = "cairn.topic.partitions";
    static final String DEFAULT_PATTERN = "{prefix}.{schema}.{table}";
    static final String STORE_ID = "cairn.cdc.store";
    static final String HISTORY_KEY = "schema.history.internal.cairn.key";

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9._-]{1,100}");
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Set<String> RESERVED_PREFIXES = Set.of("offset.storage", "schema.history.internal");

    private final String name;
    private final ConnectorKind kind;
    private final Map<String, String> given;
    private final String prefix;
    private final String topicPattern;
    private final int partitions;

    private ConnectorConfig(String name, ConnectorKind kind, Map<String, String> given, String prefix,
                            String topicPattern, int partitions) {
        this.name = name;
        this.kind = kind;
        this.given = given;
        this.prefix = prefix;
        this.topicPattern = topicPattern;
        this.partitions = partitions;
    }

    /**
     * Checks {@code config} without touching the database: the name, the type, required and reserved properties,
     * Cairn's own. Throws {@link CdcConfigException} listing every problem found.
     */
    public static ConnectorConfig parse(String name, Map<String, String> config) {
        List<String> problems = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add("name: '" + name + "' is not a connector name (1 to 100 of a-z A-Z 0-9 . _ -)");
        }
        Map<String, String> given = new TreeMap<>(config == null ? Map.of() : config);
        ConnectorKind kind = ConnectorKind.of(given.get(TYPE), given.get("connector.class"));
        if (kind == null) {
            problems.add(given.containsKey(TYPE) || given.containsKey("connector.class")
                    ? TYPE + ": '" + given.getOrDefault(TYPE, given.get("connector.class"))
                      + "' is not a supported database (postgres, mariadb)"
                    : TYPE + ": required (postgres or mariadb)");
        }
        for (String key : given.keySet()) {
            if (key.equals("name") || RESERVED_PREFIXES.stream().anyMatch(key::startsWith)) {
                problems.add(key + ": set by Cairn (the engine's offsets and schema history live in the log)");
            }
        }
        for (String required : kind == ConnectorKind.POSTGRES
                ? List.of("database.hostname", "database.user", "database.dbname")
                : List.of("database.hostname", "database.user")) {
            if (blank(given.get(required))) {
                problems.add(required + ": required");
            }
        }
        int partitions = 1;
        String p = given.get(TOPIC_PARTITIONS);
        if (p != null) {
            try {
                partitions = Integer.parseInt(p.trim());
                if (partitions < 1 || partitions > 1000) {
                    problems.add(TOPIC_PARTITIONS + ": " + p + " is not between 1 and 1000");
                }
            } catch (NumberFormatException ex) {
                problems.add(TOPIC_PARTITIONS + ": '" + p + "' is not a number");
            }
        }
        String prefix = given.getOrDefault("topic.prefix", name);
        String pattern = given.getOrDefault(TOPIC_PATTERN, DEFAULT_PATTERN);
        if (!pattern.contains("{table}")) {
            problems.add(TOPIC_PATTERN + ": '" + pattern + "' must contain {table}, or every table shares one topic");
        } else if (prefix != null && !TOPIC.matcher(topicOf(pattern, prefix, "s", "t")).matches()) {
            problems.add(TOPIC_PATTERN + ": '" + pattern + "' does not give a legal topic name with prefix '" + prefix
                    + "' (a-z A-Z 0-9 . _ -)");
        }
        if (!problems.isEmpty()) {
            throw new CdcConfigException(problems);
        }
        return new ConnectorConfig(name, kind, Map.copyOf(given), prefix, pattern, partitions);
    }

    /**
     * Asks the Debezium connector to validate the properties it would run with (it also connects to the database and
     * checks the user's privileges, the slot, the binlog format). Throws {@link CdcConfigException} naming each
     * property Debezium refused.
     */
    void validateWithDebezium(String storeId, String engineName) {
        Map<String, String> props = new LinkedHashMap<>();
        debeziumProperties(storeId, engineName).forEach((k, v) -> props.put(k.toString(), v.toString()));
        Config result;
        try {
            result = kind.newConnector().validate(props);
        } catch (RuntimeException ex) {
            throw new CdcConfigException("connector: Debezium could not validate the configuration: " + ex.getMessage());
        }
        List<String> problems = new ArrayList<>();
        for (ConfigValue v : result.configValues()) {
            for (String message : v.errorMessages()) {
                problems.add(v.name() + ": " + message);
            }
        }
        if (!problems.isEmpty()) {
            throw new CdcConfigException(problems);
        }
    }

    /** The embedded engine's properties: Cairn's defaults, then the user's, then what Cairn owns. */
    Properties debeziumProperties(String storeId, String engineName) {
        Properties p = new Properties();
        p.setProperty("topic.prefix", prefix);
        p.setProperty("snapshot.mode", "initial");
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("heartbeat.interval.ms", "10000");
        p.setProperty("poll.interval.ms", "10");
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("converter.schemas.enable", "false");
        p.setProperty("key.converter.schemas.enable", "false");
        p.setProperty("value.converter.schemas.enable", "false");
        String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (kind == ConnectorKind.POSTGRES) {
            p.setProperty("plugin.name", "pgoutput");
            p.setProperty("slot.name", "cairn_" + slug);
            p.setProperty("publication.name", "cairn_" + slug);
            p.setProperty("publication.autocreate.mode", "filtered");
            // A logical message is written to the WAL even when no captured table changes, so the slot's confirmed
            // position moves on and the server can recycle WAL (see docs/cdc.md, "Heartbeats").
            p.setProperty("heartbeat.action.query", "SELECT pg_logical_emit_message(false, 'cairn-heartbeat', now()::text)");
            p.setProperty("message.prefix.exclude.list", "cairn-heartbeat");
        } else {
            p.setProperty("database.server.id", Integer.toString(5400 + Math.floorMod(name.hashCode(), 100_000)));
            p.setProperty("include.schema.changes", "true");
        }
        given.forEach((k, v) -> {
            if (!k.equals(TYPE) && !k.startsWith("cairn.")) {
                p.setProperty(k, v);
            }
        });
        p.setProperty("name", engineName);
        p.setProperty("connector.class", kind.connectorClass());
        p.setProperty("offset.storage", CairnOffsetBackingStore.class.getName());
        p.setProperty(STORE_ID, storeId);
        if (kind == ConnectorKind.MARIADB) {
            p.setProperty("schema.history.internal", CairnSchemaHistory.class.getName());
            p.setProperty("schema.history.internal." + STORE_ID, storeId);
            p.setProperty(HISTORY_KEY, engineName);
        }
        return p;
    }

    /**
     * Whether Cairn turns Debezium's records into JSON itself ({@link ConnectJson}, the same bytes as Debezium's
     * {@code JsonByteArray} format for less work): only when the user configured no converter, since ConnectJson
     * reproduces the converter with Cairn's settings only.
     */
    boolean convertsItself() {
        for (String k : given.keySet()) {
            if (k.startsWith("converter.") || k.startsWith("key.converter") || k.startsWith("value.converter")
                    || k.startsWith("header.converter")) {
                return false;
            }
        }
        return true;
    }

    static String topicOf(String pattern, String prefix, String schema, String table) {
        return pattern.replace("{prefix}", prefix).replace("{schema}", schema).replace("{table}", table);
    }

    /** The topic of {@code schema.table}. */
    String topicOf(String schema, String table) {
        return topicOf(topicPattern, prefix, schema, table);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    public String name() {
        return name;
    }

    public ConnectorKind kind() {
        return kind;
    }

    /** What the user gave, as given. */
    public Map<String, String> given() {
        return given;
    }

    public String prefix() {
        return prefix;
    }

    public int partitions() {
        return partitions;
    }
}
