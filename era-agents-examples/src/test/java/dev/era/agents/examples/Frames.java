package dev.era.agents.examples;

import dev.era.agents.SocketSink;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** A test client's end of a connection, and a wait for what arrives on the runtime's threads. */
final class Frames implements SocketSink {
    final List<String> received = new CopyOnWriteArrayList<>();

    @Override
    public void sendText(String text) {
        received.add(text);
    }

    @Override
    public void sendBinary(byte[] data) {
        received.add("<" + data.length + " bytes>");
    }

    @Override
    public void close(int code, String reason) {
        received.add("<closed " + code + ">");
    }

    /**
     * Waits while moving {@code time} by {@code step} between looks: timer work the runtime hands
     * to its threads (loading the next window of alarms) may schedule tasks due "now", which a
     * manual clock runs only when moved.
     */
    static void awaitMoving(dev.era.agents.ManualTime time, java.time.Duration step, String what, BooleanSupplier condition) {
        await(what, () -> {
            time.advance(step);
            return condition.getAsBoolean();
        });
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting until " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
    }
}
