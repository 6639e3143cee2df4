package dev.era.engine.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.era.api.EngineException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The daemon's registry credentials, read once at start from a file in Docker's {@code config.json}
 * form, so an existing Docker login can be reused:
 * <pre>{"auths": {"ghcr.io": {"username": "me", "password": "ghp_..."},
 *            "127.0.0.1:5000": {"auth": "base64(user:password)"},
 *            "registry.example.com": {"registrytoken": "..."}}}</pre>
 * The file must not be readable by group or others. Secrets never appear in {@link #toString()},
 * in error messages or in the API; only registry hosts and user names do.
 */
public final class RegistryCredentials {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<PosixFilePermission> PRIVATE = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private final Map<String, RegistryAuth.Credentials> byRegistry;

    private RegistryCredentials(Map<String, RegistryAuth.Credentials> byRegistry) {
        this.byRegistry = Map.copyOf(byRegistry);
    }

    public static RegistryCredentials none() {
        return new RegistryCredentials(Map.of());
    }

    /**
     * Reads {@code file}; a missing file means no credentials.
     *
     * @throws EngineException naming the file and what to fix when it is unreadable, readable by
     *                              others, not JSON, or an entry has no usable secret
     */
    public static RegistryCredentials load(Path file) {
        if (!Files.exists(file)) {
            return none();
        }
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (!PRIVATE.containsAll(mode)) {
                throw invalid(file, "is readable by others (mode " + java.nio.file.attribute.PosixFilePermissions.toString(mode)
                        + "); it holds secrets, run chmod 600 " + file);
            }
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            if (root == null || !root.path("auths").isObject()) {
                throw invalid(file, "has no \"auths\" object; write {\"auths\": {\"REGISTRY\": {\"username\": ..., \"password\": ...}}}");
            }
            Map<String, RegistryAuth.Credentials> out = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.get("auths").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(host(e.getKey()), entry(file, e.getKey(), e.getValue()));
            }
            return new RegistryCredentials(out);
        } catch (IOException e) {
            throw invalid(file, "cannot be read as JSON (" + e.getClass().getSimpleName() + "); fix or remove it");
        }
    }

    /** The registries credentials are configured for (never the secrets). */
    public Set<String> registries() {
        return byRegistry.keySet();
    }

    Map<String, RegistryAuth.Credentials> byRegistry() {
        return byRegistry;
    }

    @Override
    public String toString() {
        return "RegistryCredentials" + byRegistry.keySet();
    }

    private static RegistryAuth.Credentials entry(Path file, String registry, JsonNode e) {
        String token = e.path("registrytoken").asText("");
        if (!token.isEmpty()) {
            return RegistryAuth.Credentials.bearer(token);
        }
        String user = e.path("username").asText("");
        String password = e.path("password").asText("");
        String auth = e.path("auth").asText("");
        if (!auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException x) {
                throw invalid(file, "entry '" + registry + "': \"auth\" is not Base64 of user:password");
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw invalid(file, "entry '" + registry + "': \"auth\" must be Base64 of user:password");
            }
            user = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        if (user.isEmpty() || password.isEmpty()) {
            throw invalid(file, "entry '" + registry + "' needs \"username\" and \"password\", \"auth\", or \"registrytoken\"");
        }
        return new RegistryAuth.Credentials(user, password);
    }

    /** {@code https://index.docker.io/v1/} and {@code ghcr.io} alike become the host a reference names. */
    static String host(String key) {
        String h = key.strip();
        int scheme = h.indexOf("://");
        if (scheme >= 0) {
            h = h.substring(scheme + 3);
        }
        int slash = h.indexOf('/');
        if (slash >= 0) {
            h = h.substring(0, slash);
        }
        return h.equals("index.docker.io") || h.equals("docker.io") ? ImageRef.DOCKER_HUB : h;
    }

    private static EngineException invalid(Path file, String why) {
        return new EngineException("registry credentials file " + file + " " + why, Map.of("file", file.toString()));
    }
}
