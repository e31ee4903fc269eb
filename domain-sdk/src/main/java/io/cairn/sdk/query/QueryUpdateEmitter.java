package io.cairn.sdk.query;

import java.util.function.Predicate;

/**
 * Pushes updates to open subscription queries. Whoever changes a read model (typically an event handler) emits the
 * change for the queries it affects; each subscription whose query is of {@code queryType}, matches {@code filter}
 * and whose update type the update is an instance of receives it.
 */
public interface QueryUpdateEmitter {

    <Q> void emit(Class<Q> queryType, Predicate<? super Q> filter, Object update);
}
