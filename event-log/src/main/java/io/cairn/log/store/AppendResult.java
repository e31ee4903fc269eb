package io.cairn.log.store;

/** Where an append went: the partition, the offsets of its first and last record, and the aggregate's new last sequence. */
public record AppendResult(int partition, long firstOffset, long lastOffset, long lastSequence) {
}
