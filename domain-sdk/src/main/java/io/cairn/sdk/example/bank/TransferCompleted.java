package io.cairn.sdk.example.bank;

/** The transfer's money left the source account and arrived in the target account. */
public record TransferCompleted(String transferId) {
}
