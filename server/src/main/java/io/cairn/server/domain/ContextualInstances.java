package io.cairn.server.domain;

import java.util.Set;

import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.spi.CreationalContext;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;

/**
 * The bean's own instance, not a client proxy: handler methods are called by reflection and may be package-private,
 * which a normal-scoped bean's proxy does not forward. Normal-scoped beans come from their context (the same instance
 * the application sees through its proxies); dependent ones are created once and live as long as their user.
 */
final class ContextualInstances {
    private ContextualInstances() {
    }

    static Object of(BeanManager beans, Class<?> c) {
        Set<Bean<?>> found = beans.getBeans(c);
        if (found.isEmpty()) {
            throw new IllegalStateException(c.getName() + " has handler methods but is not a CDI bean");
        }
        @SuppressWarnings("unchecked")
        Bean<Object> bean = (Bean<Object>) beans.resolve(found);
        CreationalContext<Object> cc = beans.createCreationalContext(bean);
        if (bean.getScope() == Dependent.class) {
            return beans.getReference(bean, c, cc);
        }
        return beans.getContext(bean.getScope()).get(bean, cc);
    }
}
