package dev.era.agent;

import java.util.List;
import java.util.Optional;

/**
 * An agent's private key-value store. Keys are strings, ordered by their UTF-16 code units
 * (for ASCII keys: byte order); values are bytes, with string helpers that use UTF-8. Bytes
 * were chosen over strings because every backend can store them (SQLite and Postgres blobs,
 * IndexedDB, Durable Object storage) and a value may be an image or a compressed document.
 * <p>
 * Writes are part of the tick's transaction; reads see the tick's own writes.
 */
public interface Kv {
    /** Longest key, in characters. */
    int MAX_KEY_LENGTH = 512;
    /** Largest value, in bytes; larger data belongs in a file or an object store. */
    int MAX_VALUE_BYTES = 1 << 20;
    /** Most entries one {@link #list} returns. */
    int MAX_LIST = 10_000;

    Optional<byte[]> get(String key);

    Optional<String> getString(String key);

    void put(String key, byte[] value);

    void put(String key, String value);

    void delete(String key);

    /** The entries whose keys start with {@code prefix}, ordered by key, at most {@code limit}. */
    List<KvEntry> list(String prefix, int limit);

    /** {@link #list(String, int)} up to {@link #MAX_LIST} entries. */
    default List<KvEntry> list(String prefix) {
        return list(prefix, MAX_LIST);
    }
}
