package dev.era.agents;

import dev.era.agent.AgentRef;
import dev.era.agent.Kv;
import dev.era.agent.KvEntry;
import dev.era.agents.spi.AgentStore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/** A tick's view of the agent's KV store: committed entries overlaid with the tick's own writes. */
final class TickKv implements Kv {
    /** Marks a key deleted in this tick (compared by identity). */
    private static final byte[] DELETED = new byte[0];

    private final AgentRef ref;
    private final AgentStore store;
    private final TreeMap<String, byte[]> writes = new TreeMap<>(CodePoints.ORDER);

    TickKv(AgentRef ref, AgentStore store) {
        this.ref = ref;
        this.store = store;
    }

    @Override
    public Optional<byte[]> get(String key) {
        CodePoints.checkKey("KV key", key, MAX_KEY_LENGTH);
        byte[] w = writes.get(key);
        if (w != null) {
            return w == DELETED ? Optional.empty() : Optional.of(w.clone());
        }
        return store.kvGet(ref, key);
    }

    @Override
    public Optional<String> getString(String key) {
        return get(key).map(v -> new String(v, StandardCharsets.UTF_8));
    }

    @Override
    public void put(String key, byte[] value) {
        CodePoints.checkKey("KV key", key, MAX_KEY_LENGTH);
        if (value == null) {
            throw new IllegalArgumentException("The value of KV key '" + key + "' of " + ref + " is null; use delete");
        }
        if (value.length > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("The value of KV key '" + key + "' of " + ref + " has " + value.length
                    + " bytes, over the limit of " + MAX_VALUE_BYTES + "; keep large data in a file or an object store");
        }
        writes.put(key, value.clone()); // the agent may reuse its buffer after put
    }

    @Override
    public void put(String key, String value) {
        if (value == null) {
            throw new IllegalArgumentException("The value of KV key '" + key + "' of " + ref + " is null; use delete");
        }
        put(key, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void delete(String key) {
        CodePoints.checkKey("KV key", key, MAX_KEY_LENGTH);
        writes.put(key, DELETED);
    }

    @Override
    public List<KvEntry> list(String prefix, int limit) {
        if (prefix == null) {
            throw new IllegalArgumentException("A KV prefix is required; use \"\" for every key");
        }
        if (limit < 0 || limit > MAX_LIST) {
            throw new IllegalArgumentException("A KV list limit must be 0 to " + MAX_LIST + "; got " + limit);
        }
        SortedMap<String, byte[]> local = prefix.isEmpty() ? writes
                : writes.subMap(prefix, prefix + SqliteAgentStore.MAX_CHAR);
        // Each local write can hide or replace at most one stored entry, so this many stored
        // entries always suffice for the first `limit` of the merged view.
        List<KvEntry> stored = store.kvList(ref, prefix, limit + local.size());
        if (local.isEmpty()) {
            return stored;
        }
        TreeMap<String, byte[]> merged = new TreeMap<>(CodePoints.ORDER);
        for (KvEntry e : stored) {
            merged.put(e.key(), e.value());
        }
        for (Map.Entry<String, byte[]> e : local.entrySet()) {
            if (e.getValue() == DELETED) {
                merged.remove(e.getKey());
            } else {
                merged.put(e.getKey(), e.getValue().clone());
            }
        }
        List<KvEntry> out = new ArrayList<>(Math.min(limit, merged.size()));
        for (Map.Entry<String, byte[]> e : merged.entrySet()) {
            if (out.size() == limit) {
                break;
            }
            out.add(new KvEntry(e.getKey(), e.getValue()));
        }
        return out;
    }

    Map<String, byte[]> puts() {
        Map<String, byte[]> out = new HashMap<>();
        writes.forEach((k, v) -> {
            if (v != DELETED) {
                out.put(k, v);
            }
        });
        return out;
    }

    Set<String> deletes() {
        Set<String> out = new HashSet<>();
        writes.forEach((k, v) -> {
            if (v == DELETED) {
                out.add(k);
            }
        });
        return out;
    }

    boolean changed() {
        return !writes.isEmpty();
    }
}
