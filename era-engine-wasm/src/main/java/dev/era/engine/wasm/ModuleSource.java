package dev.era.engine.wasm;

import dev.era.api.ArtifactLocation;
import dev.era.api.InvalidSpecException;

/** Where a spec's {@code artifact} says the WebAssembly module comes from. */
final class ModuleSource {
    private ModuleSource() {
    }

    static ArtifactLocation of(String artifact) {
        return ArtifactLocation.parse(artifact, "give the WebAssembly module to run: an absolute path, a file: URL or "
                + "an http(s) URL of a .wasm file", "module.wasm",
                (scheme, a) -> scheme.equals("oci") || scheme.equals("docker") ? oci(a) : notUnderstood(a));
    }

    /** The module's name as WASI's argv[0] shows it when the spec gives no command. */
    static String name(ArtifactLocation source) {
        String path = switch (source) {
            case ArtifactLocation.Local l -> l.path().toString();
            case ArtifactLocation.Remote r -> r.uri().getPath() == null ? "" : r.uri().getPath();
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
