package io.cairn.cdc;

/**
 * Where a connector is. {@code STARTING → SNAPSHOT → STREAMING}; any running state → {@code FAILED} (the reason is
 * in the status) or, by request, {@code PAUSED}; {@code PAUSED} or {@code FAILED} → {@code STARTING} on resume;
 * {@code STOPPED} once the service closes.
 */
public enum ConnectorState {
    STARTING, SNAPSHOT, STREAMING, PAUSED, FAILED, STOPPED;

    boolean running() {
        return this == STARTING || this == SNAPSHOT || this == STREAMING;
    }
}
