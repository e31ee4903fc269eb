package io.cairn.sdk.query;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * An open subscription query: the answer at the time of subscribing and a stream of updates after it. Updates are
 * registered before the initial answer is computed, so none is lost in between (one may arrive that the initial answer
 * already reflects: make updates idempotent, e.g. whole new values rather than deltas).
 *
 * <p>Each subscription buffers at most {@link QueryGateway#UPDATE_BUFFER} updates per subscriber; a subscriber that
 * falls further behind ends the subscription: its subscribers get {@code onError} with
 * {@link UpdateBufferOverflowException} and should subscribe again.
 * {@link #close()} completes the update stream and unregisters the subscription.
 */
public interface SubscriptionQueryResult<I, U> extends AutoCloseable {

    CompletableFuture<I> initialResult();

    Flow.Publisher<U> updates();

    @Override
    void close();

    /** A subscriber did not keep up with the updates of its subscription query. */
    final class UpdateBufferOverflowException extends RuntimeException {
        public UpdateBufferOverflowException(String message) {
            super(message);
        }
    }
}
