package dev.era.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The SSE streams in flight, so that closing the server ends them instead of waiting for a heartbeat. */
final class OpenStreams {
    private final Set<Runnable> stops = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** Registers how to stop a stream; returns what to call when the stream ends on its own. */
    Runnable register(Runnable stop) {
        stops.add(stop);
        if (closed) {
            stop.run();
        }
        return () -> stops.remove(stop);
    }

    void closeAll() {
        closed = true;
        stops.forEach(Runnable::run);
    }
}
