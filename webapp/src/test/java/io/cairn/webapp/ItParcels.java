package io.cairn.webapp;

import static io.cairn.sdk.aggregate.AggregateLifecycle.apply;

import java.time.Duration;

import io.cairn.sdk.aggregate.Aggregate;
import io.cairn.sdk.aggregate.AggregateId;
import io.cairn.sdk.aggregate.CommandHandler;
import io.cairn.sdk.aggregate.EventSourcingHandler;
import io.cairn.sdk.command.CommandGateway;
import io.cairn.sdk.command.TargetAggregateId;
import io.cairn.sdk.saga.DeadlineHandler;
import io.cairn.sdk.saga.EndSaga;
import io.cairn.sdk.saga.Saga;
import io.cairn.sdk.saga.SagaContext;
import io.cairn.sdk.saga.SagaEventHandler;
import io.cairn.sdk.saga.StartSaga;

/**
 * A small domain of the test JVM alone (the server's runtime does not know it), to run a saga with a deadline on the
 * remote event store: a parcel is sent; its saga waits for a deadline, then delivers it.
 */
final class ItParcels {
    static final String TOPIC = "it-remote-parcels";
    static final String DEADLINE = "deliver";

    private ItParcels() {
    }

    record SendParcel(@TargetAggregateId String parcelId, long deliverAfterMillis) { }

    record DeliverParcel(@TargetAggregateId String parcelId) { }

    record ParcelSent(String parcelId, long deliverAfterMillis) { }

    record ParcelDelivered(String parcelId) { }

    record DeliveryDue(String parcelId) { }

    @Aggregate(topic = TOPIC)
    static class Parcel {
        @AggregateId
        private String parcelId;
        private boolean delivered;

        Parcel() {
        }

        @CommandHandler
        Parcel(SendParcel c) {
            apply(new ParcelSent(c.parcelId(), c.deliverAfterMillis()));
        }

        @CommandHandler
        void handle(DeliverParcel c) {
            if (!delivered) {
                apply(new ParcelDelivered(parcelId));
            }
        }

        @EventSourcingHandler
        void on(ParcelSent e) {
            parcelId = e.parcelId();
        }

        @EventSourcingHandler
        void on(ParcelDelivered e) {
            delivered = true;
        }
    }

    @Saga(topics = TOPIC)
    static class DeliverySaga {
        private String parcelId;

        @StartSaga
        @SagaEventHandler(associationProperty = "parcelId")
        void on(ParcelSent e, SagaContext saga) {
            parcelId = e.parcelId();
            saga.scheduleDeadline(Duration.ofMillis(e.deliverAfterMillis()), DEADLINE, new DeliveryDue(parcelId));
        }

        @DeadlineHandler(deadlineName = DEADLINE)
        void on(DeliveryDue d, CommandGateway commands) {
            commands.send(new DeliverParcel(parcelId));
        }

        @EndSaga
        @SagaEventHandler(associationProperty = "parcelId")
        void on(ParcelDelivered e) {
            // delivered: done
        }
    }
}
