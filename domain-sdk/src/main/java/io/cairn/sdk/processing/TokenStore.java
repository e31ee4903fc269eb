package io.cairn.sdk.processing;

import java.util.OptionalLong;

/**
 * Where tracking processors keep their positions: per processor and topic partition, the offset of the next event to
 * handle. Implementations are thread-safe.
 */
public interface TokenStore {

    OptionalLong load(String processor, String topic, int partition);

    void store(String processor, String topic, int partition, long nextOffset);
}
