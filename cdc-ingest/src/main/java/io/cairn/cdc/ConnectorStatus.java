package io.cairn.cdc;

import java.util.Map;

/**
 * A connector's status at one moment.
 *
 * @param capturedChanges   changes appended to topics since this server started the connector
 * @param duplicatesSkipped redelivered changes dropped because their position was already in the log
 * @param sourcePosition    the database's current log position (PostgreSQL WAL LSN, MariaDB binlog file:pos), null
 *                          when the database could not be asked
 * @param capturedPosition  the position of the last event captured (heartbeats included)
 * @param lagBytes          source minus captured position in bytes (null when unknown or across binlog files)
 * @param lagMs             commit in the database → appended in Cairn, for the last change captured (null before any)
 * @param topics            changes appended per topic since start
 */
public record ConnectorStatus(String name, ConnectorKind type, ConnectorState state, String error,
                              SnapshotProgress snapshot, long capturedChanges, long duplicatesSkipped,
                              String sourcePosition, String capturedPosition, Long lagBytes, Long lagMs,
                              Long lastChangeAt, Map<String, Long> topics, Map<String, String> config) {

    /**
     * The initial snapshot's progress.
     *
     * @param tablesTotal tables to snapshot (null until Debezium knows)
     * @param rowsTotal   rows in those tables when the snapshot began, counted by Cairn (null until known)
     */
    public record SnapshotProgress(boolean running, boolean completed, Integer tablesTotal, Integer tablesDone,
                                   long rowsDone, Long rowsTotal) {
    }
}
