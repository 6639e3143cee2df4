package dev.era.api;

import java.util.Arrays;

/**
 * An engine's opaque reference to running work, kept in the store so that the engine can reattach
 * to it after a daemon restart ({@link RuntimePlugin#recover}). Only the engine that made it reads it.
 */
public record EngineHandle(String engine, byte[] data) {
    public EngineHandle {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EngineHandle h && h.engine.equals(engine) && Arrays.equals(h.data, data);
    }

    @Override
    public int hashCode() {
        return engine.hashCode() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "EngineHandle[" + engine + ", " + data.length + " bytes]";
    }
}
