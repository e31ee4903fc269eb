package io.cairn.server;

import java.util.Set;

/**
 * Lifecycle of the log engine inside the application. Transitions:
 * <pre>
 *   STARTING ──open succeeded──► OPEN ──application stops──► CLOSED
 *      │                                                        ▲
 *      └──open failed──► FAILED ──application stops─────────────┘
 * </pre>
 * STARTING covers recovery of every partition, which can take a while after a crash: the application is alive but
 * not ready. FAILED keeps the application deployed so that health checks and the REST API can say why.
 */
public enum EngineState {
    STARTING, OPEN, FAILED, CLOSED;

    private Set<EngineState> next() {
        return switch (this) {
            case STARTING -> Set.of(OPEN, FAILED, CLOSED);
            case OPEN, FAILED -> Set.of(CLOSED);
            case CLOSED -> Set.of();
        };
    }

    public boolean canMoveTo(EngineState target) {
        return next().contains(target);
    }

    /** Alive: the engine is recovering or serving (not failed, not shut down). */
    public boolean live() {
        return this == STARTING || this == OPEN;
    }

    /** Ready: every partition is recovered and the engine serves reads and writes. */
    public boolean ready() {
        return this == OPEN;
    }
}
