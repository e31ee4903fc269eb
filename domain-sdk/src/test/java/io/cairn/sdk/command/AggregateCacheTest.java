package io.cairn.sdk.command;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AggregateCacheTest {

    @Test
    void aCheckedOutStateIsGoneUntilPutBack() {
        AggregateCache cache = new AggregateCache(10);
        cache.put("t", "a", "state-a", 3);
        assertThat(cache.checkout("t", "a")).isEqualTo(new AggregateCache.Entry("state-a", 3));
        assertThat(cache.checkout("t", "a")).as("one command at a time").isNull();
        assertThat(cache.checkout("other", "a")).isNull();
    }

    @Test
    void holdsAtMostItsCapacityAndNothingWhenDisabled() {
        AggregateCache cache = new AggregateCache(2);
        cache.put("t", "a", "a", 0);
        cache.put("t", "b", "b", 0);
        cache.put("t", "c", "c", 0);
        assertThat(cache.checkout("t", "c")).isNull();
        assertThat(cache.checkout("t", "a")).isNotNull();
        cache.put("t", "c", "c", 0); // room again
        assertThat(cache.checkout("t", "c")).isNotNull();
        AggregateCache off = new AggregateCache(0);
        off.put("t", "a", "a", 0);
        assertThat(off.checkout("t", "a")).isNull();
    }
}
