package io.cairn.sdk.aggregate;

import io.cairn.sdk.command.TargetAggregateId;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;

/** Reads a command's {@link TargetAggregateId} field through a method handle found once per command class. */
final class TargetIds {

    private static final MethodHandle NONE = MethodHandles.constant(Object.class, null);

    private static final ClassValue<MethodHandle> GETTERS = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
            Field found = null;
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (f.isAnnotationPresent(TargetAggregateId.class)) {
                        if (found != null) {
                            throw new IllegalArgumentException("command " + type.getName()
                                    + " has two @TargetAggregateId fields: " + found.getName() + " and " + f.getName());
                        }
                        found = f;
                    }
                }
            }
            if (found == null) {
                return NONE;
            }
            try {
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(found.getDeclaringClass(), MethodHandles.lookup());
                return lookup.unreflectGetter(found).asType(MethodType.methodType(Object.class, Object.class));
            } catch (IllegalAccessException e) {
                throw new IllegalArgumentException("cannot read @TargetAggregateId " + found + ": " + e.getMessage(), e);
            }
        }
    };

    private TargetIds() {
    }

    /** Whether the command class has a {@link TargetAggregateId} field. */
    static boolean declared(Class<?> commandType) {
        return GETTERS.get(commandType) != NONE;
    }

    /** The command's target id as a string, or null when it declares none or the field is null. */
    static String of(Object command) {
        MethodHandle getter = GETTERS.get(command.getClass());
        if (getter == NONE) {
            return null;
        }
        try {
            Object id = getter.invokeExact(command);
            return id == null ? null : id.toString();
        } catch (Throwable t) {
            throw new IllegalStateException("cannot read the target aggregate id of " + command.getClass().getName(), t);
        }
    }
}
