package io.cairn.server.domain;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AnnotatedType;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.BeforeBeanDiscovery;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.WithAnnotations;

import io.cairn.sdk.aggregate.Aggregate;
import io.cairn.sdk.example.bank.BankAccount;
import io.cairn.sdk.example.bank.BankReadModel;
import io.cairn.sdk.example.bank.MoneyTransferSaga;
import io.cairn.sdk.example.bank.Transfer;
import io.cairn.sdk.processing.EventHandler;
import io.cairn.sdk.processing.ProcessingGroup;
import io.cairn.sdk.query.QueryHandler;
import io.cairn.sdk.saga.Saga;

/**
 * CDI portable extension that finds the domain model in the deployment: {@code @Aggregate} and {@code @Saga} classes
 * (recorded and vetoed: the SDK creates their instances, not CDI) and beans with {@code @EventHandler} or
 * {@code @QueryHandler} methods (recorded and left as beans, so they get injection and scopes).
 * {@link DomainRuntimeHolder} wires them into a {@code DomainRuntime} once the log is open.
 *
 * <p>CDI only shows an extension the types of bean archives: in a WAR with {@code bean-discovery-mode="annotated"},
 * aggregates and sagas (which carry no bean-defining annotation) are seen when the archive's {@code beans.xml} says
 * {@code all}, or when added like the bank example below. The bank example (in the domain-sdk jar, no bean archive)
 * is added here as annotated types, so it goes through the same discovery as a user's classes.
 */
public class DomainExtension implements Extension {
    /** The example domain the default WAR deploys. */
    static final List<Class<?>> BANK = List.of(BankAccount.class, Transfer.class, MoneyTransferSaga.class,
            BankReadModel.class);

    private final List<Class<?>> aggregates = new ArrayList<>();
    private final List<Class<?>> sagas = new ArrayList<>();
    private final List<Class<?>> handlers = new ArrayList<>();

    void addExample(@Observes BeforeBeanDiscovery bbd, BeanManager bm) {
        for (Class<?> c : BANK) {
            bbd.addAnnotatedType(bm.createAnnotatedType(c), DomainExtension.class.getName() + "." + c.getSimpleName());
        }
    }

    <T> void discover(@Observes @WithAnnotations({Aggregate.class, Saga.class, ProcessingGroup.class,
            EventHandler.class, QueryHandler.class}) ProcessAnnotatedType<T> pat) {
        AnnotatedType<T> type = pat.getAnnotatedType();
        Class<T> c = type.getJavaClass();
        if (c.isAnnotationPresent(Aggregate.class)) {
            add(aggregates, c);
            pat.veto();
        } else if (c.isAnnotationPresent(Saga.class)) {
            add(sagas, c);
            pat.veto();
        } else if (!c.isInterface() && !java.lang.reflect.Modifier.isAbstract(c.getModifiers())) {
            add(handlers, c);
        }
    }

    private static synchronized void add(List<Class<?>> list, Class<?> c) {
        if (!list.contains(c)) {
            list.add(c);
        }
    }

    /** The discovered model (complete once the container has started). */
    DomainModel model() {
        return new DomainModel(List.copyOf(aggregates), List.copyOf(sagas), List.copyOf(handlers));
    }

    /** What the extension found. */
    record DomainModel(List<Class<?>> aggregates, List<Class<?>> sagas, List<Class<?>> handlers) {
    }
}
