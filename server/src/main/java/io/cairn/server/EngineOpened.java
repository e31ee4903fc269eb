package io.cairn.server;

import io.cairn.log.LogEngine;

/** CDI event fired once the engine has recovered every partition and serves requests. */
public record EngineOpened(LogEngine engine, Settings settings) {
}
