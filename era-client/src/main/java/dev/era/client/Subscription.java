package dev.era.client;

import java.time.Duration;

/**
 * A live stream of events or log lines, delivered to a consumer on a background thread. Close it to
 * stop; closing from inside the consumer is allowed.
 */
public interface Subscription extends AutoCloseable {
    /**
     * Waits until the stream ends: closed by this side, or by the daemon.
     *
     * @throws EraClientException when the connection broke or the consumer threw
     */
    void join() throws InterruptedException;

    /**
     * Like {@link #join()}, for at most {@code timeout}.
     *
     * @return true when the stream ended, false when the time ran out
     */
    boolean join(Duration timeout) throws InterruptedException;

    boolean isOpen();

    @Override
    void close();
}
