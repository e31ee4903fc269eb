package io.cairn.sdk.saga;

import static io.cairn.sdk.aggregate.AggregateLifecycle.apply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.cairn.log.store.AppendResult;
import io.cairn.log.store.EventData;
import io.cairn.log.store.EventStore;
import io.cairn.log.store.StoredEvent;
import io.cairn.sdk.aggregate.Aggregate;
import io.cairn.sdk.aggregate.AggregateId;
import io.cairn.sdk.aggregate.CommandHandler;
import io.cairn.sdk.aggregate.EventSourcingHandler;
import io.cairn.sdk.command.CommandGateway;
import io.cairn.sdk.command.TargetAggregateId;
import io.cairn.sdk.eventstore.InMemoryEventStore;
import io.cairn.sdk.runtime.DomainRuntime;
import org.junit.jupiter.api.Test;

/**
 * A deadline its start handler scheduled that falls due before the new saga is saved (a short deadline, or a store
 * as slow as a remote one) is handled once the saga is saved, not dropped as if the saga had ended.
 */
class EarlyDeadlineTest {
    static final String TOPIC = "early-parcels";

    record SendParcel(@TargetAggregateId String parcelId) { }

    record DeliverParcel(@TargetAggregateId String parcelId) { }

    record ParcelSent(String parcelId) { }

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
            apply(new ParcelSent(c.parcelId()));
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
            saga.scheduleDeadline(Duration.ZERO, "deliver", new DeliveryDue(parcelId)); // due at once
        }

        @DeadlineHandler(deadlineName = "deliver")
        void on(DeliveryDue d, CommandGateway commands) {
            commands.send(new DeliverParcel(parcelId));
        }

        @EndSaga
        @SagaEventHandler(associationProperty = "parcelId")
        void on(ParcelDelivered e) {
            // delivered
        }
    }

    /** A store whose saga saves take as long as a round trip to a distant server. */
    static final class SlowSagaSaves implements EventStore {
        private final EventStore delegate;

        SlowSagaSaves(EventStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public AppendResult append(String topic, String aggregateId, long expectedSequence, List<EventData> events) {
            if (topic.equals(LogSagaStore.DEFAULT_TOPIC)) {
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return delegate.append(topic, aggregateId, expectedSequence, events);
        }

        @Override
        public CompletableFuture<AppendResult> appendAsync(String topic, String aggregateId, long expectedSequence,
                                                           List<EventData> events) {
            return CompletableFuture.supplyAsync(() -> append(topic, aggregateId, expectedSequence, events));
        }

        @Override
        public List<StoredEvent> read(String topic, String aggregateId, long fromSequence) {
            return delegate.read(topic, aggregateId, fromSequence);
        }

        @Override
        public Optional<StoredEvent> readLast(String topic, String aggregateId) {
            return delegate.readLast(topic, aggregateId);
        }

        @Override
        public long lastSequence(String topic, String aggregateId) {
            return delegate.lastSequence(topic, aggregateId);
        }

        @Override
        public void ensureTopic(String topic, int partitions, boolean compacted) {
            delegate.ensureTopic(topic, partitions, compacted);
        }

        @Override
        public int partitionCount(String topic) {
            return delegate.partitionCount(topic);
        }

        @Override
        public long endOffset(String topic, int partition) {
            return delegate.endOffset(topic, partition);
        }

        @Override
        public List<StoredEvent> readPartition(String topic, int partition, long fromOffset, int maxEvents, long maxWaitMillis) {
            return delegate.readPartition(topic, partition, fromOffset, maxEvents, maxWaitMillis);
        }
    }

    @Test
    void aDeadlineDueBeforeTheSagaIsSavedIsHandledNotDropped() {
        EventStore store = new SlowSagaSaves(new InMemoryEventStore());
        DomainRuntime runtime = DomainRuntime.builder(store).partitions(2)
                .aggregate(Parcel.class).saga(DeliverySaga.class).build();
        runtime.start();
        try {
            List<String> parcels = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                parcels.add("p-" + i);
                runtime.commandGateway().send(new SendParcel("p-" + i));
            }
            for (String id : parcels) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(store.read(TOPIC, id, 0))
                        .extracting(StoredEvent::eventType).containsExactly("ParcelSent", "ParcelDelivered"));
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(runtime.sagas(DeliverySaga.class).activeSagas()).isEmpty());
        } finally {
            runtime.close();
        }
    }
}
