package io.cairn.sdk.processing;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens kept in memory only: a processor using it replays from the start whenever it is created, which is right for
 * handlers whose state is in memory too (it is gone after a restart, so the events must be applied again).
 */
public final class InMemoryTokenStore implements TokenStore {
    private final Map<String, Long> tokens = new ConcurrentHashMap<>();

    @Override
    public OptionalLong load(String processor, String topic, int partition) {
        Long t = tokens.get(LogTokenStore.key(processor, topic, partition));
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }

    @Override
    public void store(String processor, String topic, int partition, long nextOffset) {
        tokens.put(LogTokenStore.key(processor, topic, partition), nextOffset);
    }
}
