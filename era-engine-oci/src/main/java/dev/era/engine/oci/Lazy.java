package dev.era.engine.oci;

import java.util.function.Supplier;

/** A value made on first use, once, by whichever thread asks first. */
final class Lazy<T> implements Supplier<T> {
    private final Supplier<T> make;
    private T value; // guarded by this

    private Lazy(Supplier<T> make) {
        this.make = make;
    }

    static <T> Lazy<T> of(Supplier<T> make) {
        return new Lazy<>(make);
    }

    @Override
    public synchronized T get() {
        if (value == null) {
            value = make.get();
        }
        return value;
    }
}
