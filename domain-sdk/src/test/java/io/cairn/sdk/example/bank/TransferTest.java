package io.cairn.sdk.example.bank;

import io.cairn.sdk.command.CommandValidationException;
import io.cairn.sdk.test.AggregateTestFixture;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TransferTest {

    private final AggregateTestFixture<Transfer> fixture = new AggregateTestFixture<>(Transfer.class);
    private final TransferRequested requested = new TransferRequested("t-1", "a", "b", 70);

    @Test
    void requestsATransfer() {
        fixture.givenNoPriorActivity().when(new RequestTransfer("t-1", "a", "b", 70))
                .expectEvents(requested)
                .expectResult("t-1")
                .expectState(t -> assertThat(t.status()).isEqualTo(Transfer.Status.REQUESTED));
    }

    @Test
    void rejectsBadRequests() {
        fixture.givenNoPriorActivity().when(new RequestTransfer("t-1", "a", "a", 70))
                .expectException(CommandValidationException.class).expectExceptionMessage("must differ");
        fixture.givenNoPriorActivity().when(new RequestTransfer("t-1", "a", "b", 0))
                .expectExceptionMessage("amount must be > 0");
        fixture.givenNoPriorActivity().when(new RequestTransfer("", null, "b", 5))
                .expectExceptionMessage("transferId is required").expectExceptionMessage("fromAccount is required");
    }

    @Test
    void completesOnceAndIdempotently() {
        fixture.given(requested).when(new CompleteTransfer("t-1")).expectEvents(new TransferCompleted("t-1"))
                .expectState(t -> assertThat(t.status()).isEqualTo(Transfer.Status.COMPLETED));
        fixture.given(requested, new TransferCompleted("t-1")).when(new CompleteTransfer("t-1")).expectNoEvents();
        fixture.given(requested, new TransferCompleted("t-1")).when(new FailTransfer("t-1", "late"))
                .expectException(IllegalStateException.class).expectExceptionMessage("already completed");
    }

    @Test
    void failsOnceAndIdempotently() {
        fixture.given(requested).when(new FailTransfer("t-1", "insufficient funds"))
                .expectEvents(new TransferFailed("t-1", "insufficient funds"))
                .expectState(t -> assertThat(t.failureReason()).isEqualTo("insufficient funds"));
        fixture.given(requested, new TransferFailed("t-1", "x")).when(new FailTransfer("t-1", "y")).expectNoEvents();
        fixture.given(requested, new TransferFailed("t-1", "x")).when(new CompleteTransfer("t-1"))
                .expectException(IllegalStateException.class).expectExceptionMessage("already failed (x)");
        fixture.given(requested).when(new FailTransfer("t-1", " ")).expectException(CommandValidationException.class);
    }
}
