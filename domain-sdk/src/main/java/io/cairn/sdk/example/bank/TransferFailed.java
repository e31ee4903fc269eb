package io.cairn.sdk.example.bank;

/** The transfer did not happen (e.g. insufficient funds); {@code reason} says why. */
public record TransferFailed(String transferId, String reason) {
}
