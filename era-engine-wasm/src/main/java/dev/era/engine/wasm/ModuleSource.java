package dev.era.engine.wasm;

import dev.era.api.InvalidSpecException;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/** Where a spec's {@code artifact} says the module comes from. */
sealed interface ModuleSource {
    /** A module file on this host. */
    record Local(Path path) implements ModuleSource {}

    /** A module served over http or https, downloaded into the shared cache by {@code fetch}. */
    record Remote(URI uri) implements ModuleSource {}

    static ModuleSource of(String artifact) {
        if (artifact.isBlank()) {
            throw new InvalidSpecException("artifact", "is empty; give the WebAssembly module to run: an absolute path, "
                    + "a file: URL or an http(s) URL of a .wasm file");
        }
        int colon = artifact.indexOf(':');
        String scheme = colon > 0 && !artifact.startsWith("/") ? artifact.substring(0, colon).toLowerCase(Locale.ROOT) : "";
        return switch (scheme) {
            case "" -> {
                Path p = Path.of(artifact);
                if (!p.isAbsolute()) {
                    throw notUnderstood(artifact);
                }
                yield new Local(p.normalize());
            }
            case "file" -> {
                try {
                    yield new Local(Path.of(URI.create(artifact)).normalize());
                } catch (IllegalArgumentException e) {
                    throw new InvalidSpecException("artifact", "'" + artifact + "' is not a valid file: URL ("
                            + e.getMessage() + "); write it as file:///absolute/path/module.wasm");
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
                            + "); write it as https://host/path/module.wasm");
                }
            }
            case "oci", "docker" -> throw oci(artifact);
            default -> throw notUnderstood(artifact);
        };
    }

    /** The module's name as WASI's argv[0] shows it when the spec gives no command. */
    default String name() {
        String path = switch (this) {
            case Local l -> l.path().toString();
            case Remote r -> r.uri().getPath() == null ? "" : r.uri().getPath();
        };
        String last = path.substring(path.lastIndexOf('/') + 1);
        return last.isEmpty() ? "module.wasm" : last;
    }

    private static InvalidSpecException notUnderstood(String artifact) {
        return new InvalidSpecException("artifact", "'" + artifact + "' is neither an absolute path nor a file:, http: or "
                + "https: URL; the wasm engine runs a .wasm file from this host or from a web server. "
                + "OCI references are not supported yet (ERA has no OCI registry client); publish the module over "
                + "http(s) or copy it to this host");
    }

    private static InvalidSpecException oci(String artifact) {
        return new InvalidSpecException("artifact", "'" + artifact + "' is an OCI reference, which the wasm engine does "
                + "not support yet (ERA has no OCI registry client); publish the module over http(s) or copy it to this host");
    }
}
