package dev.era.agents.cluster;

import dev.era.agent.AgentRef;

import java.nio.charset.StandardCharsets;

/** Stable 64-bit hashes (the same in every JVM and version): FNV-1a, then murmur3's finalizer to spread the bits. */
final class Hashing {
    private Hashing() {
    }

    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    /** The partition of an agent: the unit that is leased, fenced and moved. */
    static int partition(AgentRef agent, int partitions) {
        return Math.floorMod(hash(agent.type() + '\u0000' + agent.id()), partitions);
    }
}
