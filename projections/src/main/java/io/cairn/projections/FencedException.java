package io.cairn.projections;

import java.sql.SQLException;

/** A worker's offset write found its partition taken over by another worker: its transaction must not commit. */
public final class FencedException extends SQLException {
    public FencedException(String message) {
        super(message, "CAIRN");
    }
}
