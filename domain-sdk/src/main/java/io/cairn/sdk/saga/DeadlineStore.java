package io.cairn.sdk.saga;

import java.util.List;

/** Where deadlines are persisted. Thread-safe. */
public interface DeadlineStore {

    /** Every deadline whose latest status is SCHEDULED. */
    List<DeadlineEntry> loadScheduled();

    void save(DeadlineEntry entry);
}
