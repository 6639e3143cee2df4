package dev.era.engine.oci;

import dev.era.api.BadRequestException;
import dev.era.api.EraException;
import dev.era.api.InvalidSpecException;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image reference as users write it: {@code host:port/repo/name:tag}, {@code name@sha256:<hex>},
 * or {@code busybox} (Docker Hub, {@code library/busybox:latest}).
 *
 * @param registry   host and optional port, e.g. {@code 127.0.0.1:5000} or {@code registry-1.docker.io}
 * @param repository the repository path, e.g. {@code library/busybox}
 * @param tag        the tag; empty when only a digest is given
 * @param digest     the manifest digest; empty when only a tag is given
 */
record ImageRef(String registry, String repository, String tag, String digest) {
    static final String DOCKER_HUB = "registry-1.docker.io";
    private static final Pattern REPOSITORY = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    /** Parses {@code text}; throws {@link InvalidSpecException} on field {@code artifact} when it is not a reference. */
    static ImageRef parse(String text) {
        return parse(text, (given, why) -> new InvalidSpecException("artifact", "image reference '" + given + "' " + why,
                Map.of("artifact", given)));
    }

    /** Parses a reference given on its own (an API call); throws {@link BadRequestException} when it is not one. */
    static ImageRef parseRequest(String text) {
        return parse(text, (given, why) -> new BadRequestException("image reference '" + given + "' " + why,
                Map.of("reference", given)));
    }

    private static ImageRef parse(String text, java.util.function.BiFunction<String, String, EraException> invalid) {
        if (text == null || text.isBlank()) {
            throw invalid.apply(String.valueOf(text), "is empty; give an image such as 127.0.0.1:5000/tools/busybox:1");
        }
        String rest = text.strip();
        String digest = "";
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!Digest.isValid(digest)) {
                throw invalid.apply(text, "has a malformed digest '" + digest + "'; it must be sha256: followed by 64 hex digits");
            }
        }
        String registry = DOCKER_HUB;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                rest = rest.substring(slash + 1);
            }
        }
        String tag = "";
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid.apply(text, "has a malformed tag '" + tag + "'");
            }
        }
        if (registry.equals(DOCKER_HUB) && !rest.contains("/")) {
            rest = "library/" + rest;
        }
        if (!REPOSITORY.matcher(rest).matches()) {
            throw invalid.apply(text, "has a malformed repository '" + rest + "' (lower-case letters, digits, . _ - and /)");
        }
        if (tag.isEmpty() && digest.isEmpty()) {
            tag = "latest";
        }
        return new ImageRef(registry, rest, tag, digest);
    }

    /** What to ask the registry's manifest endpoint for: the digest when pinned, else the tag. */
    String manifestReference() {
        return digest.isEmpty() ? tag : digest;
    }

    Optional<String> pinnedDigest() {
        return digest.isEmpty() ? Optional.empty() : Optional.of(digest);
    }

    /** Loopback registries speak plain HTTP, as Docker treats them; everything else HTTPS. */
    boolean loopback() {
        String host = registry.startsWith("[") ? registry.substring(0, registry.indexOf(']') + 1)
                : registry.contains(":") ? registry.substring(0, registry.lastIndexOf(':')) : registry;
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    @Override
    public String toString() {
        return registry + "/" + repository + (tag.isEmpty() ? "" : ":" + tag) + (digest.isEmpty() ? "" : "@" + digest);
    }
}
