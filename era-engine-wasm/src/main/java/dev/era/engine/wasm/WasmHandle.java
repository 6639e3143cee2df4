package dev.era.engine.wasm;

import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the store keeps of one start: the workload and a token naming the instance. The token begins
 * with the id of the {@link WasmHost} (one per daemon JVM) that ran it, so a handle from before a
 * daemon restart can never be taken for an instance of this run.
 *
 * @param id      the deployment
 * @param version the spec version
 * @param token   {@code <host id>-<sequence>}
 */
record WasmHandle(DeploymentId id, int version, String token) {
    static final String ENGINE = "wasm";
    private static final String MAGIC = "era-wasm-handle 1";

    EngineHandle encode() {
        String text = MAGIC + "\nid=" + id.value() + "\nversion=" + version + "\ntoken=" + token + "\n";
        return new EngineHandle(ENGINE, text.getBytes(StandardCharsets.UTF_8));
    }

    static WasmHandle decode(EngineHandle handle) {
        if (!ENGINE.equals(handle.engine())) {
            throw new EngineException("handle of engine '" + handle.engine() + "' was given to the wasm engine; "
                    + "pass each handle to the engine that made it", Map.of("engine", handle.engine()));
        }
        String[] lines = new String(handle.data(), StandardCharsets.UTF_8).split("\n");
        if (lines.length < 1 || !lines[0].equals(MAGIC)) {
            throw corrupt("it does not start with '" + MAGIC + "'");
        }
        String id = null;
        String version = null;
        String token = null;
        for (int i = 1; i < lines.length; i++) {
            int eq = lines[i].indexOf('=');
            if (eq < 0) {
                throw corrupt("line '" + lines[i] + "' is not key=value");
            }
            String value = lines[i].substring(eq + 1);
            switch (lines[i].substring(0, eq)) {
                case "id" -> id = value;
                case "version" -> version = value;
                case "token" -> token = value;
                default -> { } // written by a newer engine; what we know is enough
            }
        }
        if (id == null || version == null || token == null || token.isEmpty()) {
            throw corrupt("id, version or token is missing");
        }
        try {
            return new WasmHandle(new DeploymentId(id), Integer.parseInt(version), token);
        } catch (IllegalArgumentException e) {
            throw corrupt(e.getMessage());
        }
    }

    private static EngineException corrupt(String why) {
        return new EngineException("wasm engine handle is corrupt: " + why
                + "; the stored handle was not written by this engine, treat the work as lost");
    }
}
