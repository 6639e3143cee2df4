package dev.era.http;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.util.List;

/**
 * Generators of hostile deployment specs, shared by the API's fuzz test (a fake service) and the
 * daemon's (a real daemon): nested values with the spec's field names, and a valid spec with random
 * cuts and insertions.
 */
public final class SpecFuzz {
    /** The spec's fields at every level, plus names no level has. */
    public static final List<String> FIELDS = List.of("name", "engine", "artifact", "command", "args", "env",
            "workingDir", "resources", "health", "restart", "volumes", "stopTimeout", "cpu", "memory", "pids", "http",
            "tcp", "exec", "port", "path", "policy", "backoff", "maxRetries", "isolation", "x", "");

    private SpecFuzz() {
    }

    /** Scalars that are almost right, and lists and maps of them up to {@code depth} deep. */
    public static Arbitrary<Object> values(int depth) {
        List<Arbitrary<?>> leaves = List.of(
                Arbitraries.of("web", "a", "-x", "Web", "process", "wasm", "nope", "1", "256Mi", "5s", "-1s", "always",
                        "/work", "/tmp", "", "0", "99999999999999999999", "1e309", "NaN", "10ms", "1Ti", "3Gi", "sandbox",
                        "../..", "/", "never", "on-failure"),
                Arbitraries.strings().ofMaxLength(20),
                Arbitraries.integers(),
                Arbitraries.longs(),
                Arbitraries.doubles(),
                Arbitraries.of(true, false));
        Arbitrary<Object> leaf = Arbitraries.oneOf(leaves.stream().map(a -> a.map(x -> (Object) x)).toList());
        if (depth == 0) {
            return leaf;
        }
        return Arbitraries.oneOf(leaf,
                values(depth - 1).list().ofMaxSize(4).map(l -> (Object) l),
                Arbitraries.maps(Arbitraries.of(FIELDS), values(depth - 1)).ofMaxSize(4).map(m -> (Object) m));
    }

    /** {@code valid} with up to 10 characters cut at a random place and up to 6 random ones inserted there. */
    public static Arbitrary<String> mutated(String valid) {
        return Combinators.combine(Arbitraries.integers().between(0, valid.length()),
                        Arbitraries.integers().between(0, 10), Arbitraries.strings().ofMaxLength(6))
                .as((at, cut, insert) -> valid.substring(0, at) + insert + valid.substring(Math.min(valid.length(), at + cut)));
    }
}
