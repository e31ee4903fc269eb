package io.cairn.server;

import io.cairn.log.LogEngine;

/**
 * CDI event fired once the engine has recovered every partition and serves requests, and the Kafka listener (when
 * enabled) has started or failed to: {@code kafka} says which.
 */
public record EngineOpened(LogEngine engine, Settings settings, KafkaListenerHost.Status kafka) {
}
