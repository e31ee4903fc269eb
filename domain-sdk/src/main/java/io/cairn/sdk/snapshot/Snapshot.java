package io.cairn.sdk.snapshot;

/** An aggregate's state after the event with sequence {@code sequence}. */
public record Snapshot<S>(S state, long sequence) {
}
