package io.cairn.sdk.saga;

import java.util.Map;
import java.util.Optional;

/** Where sagas are persisted. Implementations are thread-safe; a saga is written by one thread at a time. */
public interface SagaStore {

    /** A stored saga and its version (the number of times it was saved, minus one). */
    record Versioned(SagaEntry entry, long version) {
    }

    /** Version of a saga never saved. */
    long NEW = -1;

    /** The latest entry of every saga of the type that has not ended, by saga id. */
    Map<String, Versioned> loadActive(String sagaType);

    /** The latest entry of one saga, ended or not; empty if it was never saved. */
    Optional<Versioned> load(String sagaId);

    /**
     * Saves the saga if its stored version is {@code expectedVersion}; returns the new version.
     *
     * @throws io.cairn.log.store.ConcurrencyConflictException when another writer saved it meanwhile (two runtimes
     *                                                         running the same saga type)
     */
    long save(SagaEntry entry, long expectedVersion);
}
