package io.cairn.cdc;

/** Something cdc-ingest refuses or could not do; subclasses say which. */
public class CdcException extends RuntimeException {
    public CdcException(String message) {
        super(message);
    }

    public CdcException(String message, Throwable cause) {
        super(message, cause);
    }

    /** No connector of that name. */
    public static final class UnknownConnectorException extends CdcException {
        public UnknownConnectorException(String name) {
            super("No CDC connector named '" + name + "'");
        }
    }

    /** A connector of that name exists already. */
    public static final class ConnectorExistsException extends CdcException {
        public ConnectorExistsException(String name) {
            super("A CDC connector named '" + name + "' exists already");
        }
    }
}
