package io.cairn.cdc;

import java.util.Locale;

import org.apache.kafka.connect.source.SourceConnector;

/** The databases Cairn captures, with the Debezium connector for each. */
public enum ConnectorKind {
    POSTGRES("io.debezium.connector.postgresql.PostgresConnector"),
    MARIADB("io.debezium.connector.mariadb.MariaDbConnector");

    private final String connectorClass;

    ConnectorKind(String connectorClass) {
        this.connectorClass = connectorClass;
    }

    public String connectorClass() {
        return connectorClass;
    }

    /** From {@code type} ("postgres", "mariadb") or a {@code connector.class} name; null when neither matches. */
    static ConnectorKind of(String type, String connectorClass) {
        if (type != null) {
            return switch (type.toLowerCase(Locale.ROOT)) {
                case "postgres", "postgresql" -> POSTGRES;
                case "mariadb" -> MARIADB;
                default -> null;
            };
        }
        for (ConnectorKind k : values()) {
            if (k.connectorClass.equals(connectorClass)) {
                return k;
            }
        }
        return null;
    }

    SourceConnector newConnector() {
        try {
            return (SourceConnector) Class.forName(connectorClass, true, ConnectorKind.class.getClassLoader())
                    .getConstructor().newInstance();
        } catch (ReflectiveOperationException ex) {
            throw new IllegalStateException("Debezium connector " + connectorClass + " is not on the class path", ex);
        }
    }
}
