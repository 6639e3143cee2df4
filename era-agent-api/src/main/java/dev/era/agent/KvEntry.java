package dev.era.agent;

import java.nio.charset.StandardCharsets;

/** One key and its value; do not change {@code value}. */
public record KvEntry(String key, byte[] value) {
    public KvEntry {
        if (key == null || value == null) {
            throw new IllegalArgumentException("A KV entry needs a key and a value");
        }
    }

    public String text() {
        return new String(value, StandardCharsets.UTF_8);
    }
}
