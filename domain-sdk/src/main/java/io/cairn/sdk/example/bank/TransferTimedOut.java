package io.cairn.sdk.example.bank;

/** Payload of {@link MoneyTransferSaga}'s deadline. */
public record TransferTimedOut(String transferId) {
}
