package dev.era.api;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * Where a spec's {@code artifact} says a file-shaped artifact (a .wasm module, an agent package jar)
 * comes from: a file on this host, or an http(s) URL to download. Engines that take such an artifact
 * parse it here, so that all of them accept and refuse the same spellings.
 */
public sealed interface ArtifactLocation {
    /** A file on this host. */
    record Local(Path path) implements ArtifactLocation {}

    /** A file served over http or https. */
    record Remote(URI uri) implements ArtifactLocation {}

    /**
     * @param artifact     the spec's field
     * @param emptyHint    what to say when it is empty (what the engine wants there)
     * @param exampleFile  a file name for the messages' examples, such as {@code module.wasm}
     * @param otherScheme  the error for any other spelling, given the scheme (empty for a relative path) and the artifact
     * @throws InvalidSpecException naming the field and how to write it
     */
    static ArtifactLocation parse(String artifact, String emptyHint, String exampleFile,
                                  BiFunction<String, String, InvalidSpecException> otherScheme) {
        if (artifact.isBlank()) {
            throw new InvalidSpecException("artifact", "is empty; " + emptyHint);
        }
        int colon = artifact.indexOf(':');
        String scheme = colon > 0 && !artifact.startsWith("/") ? artifact.substring(0, colon).toLowerCase(Locale.ROOT) : "";
        return switch (scheme) {
            case "" -> {
                Path p = Path.of(artifact);
                if (!p.isAbsolute()) {
                    throw otherScheme.apply("", artifact);
                }
                yield new Local(p.normalize());
            }
            case "file" -> {
                try {
                    yield new Local(Path.of(URI.create(artifact)).normalize());
                } catch (IllegalArgumentException e) {
                    throw new InvalidSpecException("artifact", "'" + artifact + "' is not a valid file: URL ("
                            + e.getMessage() + "); write it as file:///absolute/path/" + exampleFile);
                }
            }
            case "http", "https" -> {
                try {
                    URI uri = URI.create(artifact);
                    if (uri.getHost() == null) {
                        throw new IllegalArgumentException("it names no host");
                    }
                    yield new Remote(uri);
                } catch (IllegalArgumentException e) {
                    throw new InvalidSpecException("artifact", "'" + artifact + "' is not a valid URL (" + e.getMessage()
                            + "); write it as https://host/path/" + exampleFile);
                }
            }
            default -> throw otherScheme.apply(scheme, artifact);
        };
    }
}
