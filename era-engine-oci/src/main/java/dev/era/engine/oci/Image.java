package dev.era.engine.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.era.api.EngineException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pulled image for one platform: its manifest's layers (bottom first) and what its config says
 * about running it.
 *
 * @param manifestDigest the platform manifest's digest, the image's identity in the store
 * @param configDigest   the config blob's digest
 * @param layers         the layer blobs, bottom first
 * @param entrypoint     {@code config.Entrypoint}
 * @param cmd            {@code config.Cmd}
 * @param env            {@code config.Env} as {@code NAME=value}
 * @param workingDir     {@code config.WorkingDir}; empty for {@code /}
 * @param user           {@code config.User}; empty for root
 */
record Image(String manifestDigest, String configDigest, List<Layer> layers, List<String> entrypoint, List<String> cmd,
             List<String> env, String workingDir, String user) {
    /** One layer blob as the manifest lists it. */
    record Layer(String digest, String mediaType, long size) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    Image {
        layers = List.copyOf(layers);
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        env = List.copyOf(env);
    }

    /** The config digest and layers of a platform manifest. */
    record Manifest(String configDigest, long configSize, List<Layer> layers) {}

    static Manifest manifest(String what, byte[] body) {
        JsonNode root = read(what, body);
        JsonNode config = root.path("config");
        String configDigest = config.path("digest").asText("");
        if (!Digest.isValid(configDigest)) {
            throw new EngineException(what + ": the manifest names no valid sha256 config digest ('" + configDigest + "')",
                    Map.of("image", what));
        }
        List<Layer> layers = new ArrayList<>();
        for (JsonNode l : root.path("layers")) {
            String digest = l.path("digest").asText("");
            if (!Digest.isValid(digest)) {
                throw new EngineException(what + ": the manifest lists a layer with digest '" + digest
                        + "'; only sha256 digests are accepted", Map.of("image", what));
            }
            layers.add(new Layer(digest, l.path("mediaType").asText(""), l.path("size").asLong(-1)));
        }
        return new Manifest(configDigest, config.path("size").asLong(-1), layers);
    }

    static Image of(String what, String manifestDigest, Manifest manifest, byte[] config) {
        JsonNode c = read(what, config).path("config");
        return new Image(manifestDigest, manifest.configDigest(), manifest.layers(), strings(c.path("Entrypoint")),
                strings(c.path("Cmd")), strings(c.path("Env")), c.path("WorkingDir").asText(""), c.path("User").asText(""));
    }

    /** The config's {@code rootfs.diff_ids}: the sha256 of each layer's uncompressed tar, bottom first. */
    static List<String> diffIds(String what, byte[] config) {
        List<String> ids = strings(read(what, config).path("rootfs").path("diff_ids"));
        for (String id : ids) {
            if (!Digest.isValid(id)) {
                throw new EngineException(what + ": the config lists diff_id '" + id + "'; only sha256 digests are accepted",
                        Map.of("image", what));
            }
        }
        return ids;
    }

    static JsonNode read(String what, byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new EngineException(what + ": not valid JSON (" + e.getMessage() + ")", Map.of("image", what), e);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
