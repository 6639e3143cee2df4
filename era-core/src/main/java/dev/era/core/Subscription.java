package dev.era.core;

/** A live feed (events, log lines); close it to stop receiving. */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
