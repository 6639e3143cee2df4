package dev.era.agents.cluster;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Consistent hashing of partitions over the live members: each member has {@link #POINTS} points
 * on a 64-bit ring; a partition belongs to the first point at or after its own hash. A member
 * joining or leaving moves only the partitions next to its points (about 1/n of them).
 */
final class Ring {
    static final int POINTS = 128;

    private final TreeMap<Long, String> points = new TreeMap<>();

    private Ring(Collection<String> members) {
        for (String m : members) {
            for (int i = 0; i < POINTS; i++) {
                points.put(Hashing.hash(m + "#" + i), m);
            }
        }
    }

    static Ring of(Collection<String> members) {
        return new Ring(members);
    }

    /** The member that should own {@code partition}; empty when no member is live. */
    Optional<String> owner(int partition) {
        if (points.isEmpty()) {
            return Optional.empty();
        }
        Map.Entry<Long, String> e = points.ceilingEntry(Hashing.mix(0x9e3779b97f4a7c15L * (partition + 1)));
        return Optional.of((e != null ? e : points.firstEntry()).getValue());
    }
}
