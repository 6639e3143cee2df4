package dev.era.engine.oci;

import dev.era.api.EngineException;
import dev.era.api.EngineHandle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Everything needed to find one start's container again after a daemon restart: the handle's
 * bytes and the {@code state} file of the run directory, as readable {@code key=value} lines.
 *
 * @param container  the runc container id, unique per start
 * @param runcRoot   runc's state directory ({@code runc --root})
 * @param bundle     the OCI bundle (config.json, rootfs)
 * @param runDir     the workload's run directory
 * @param exitFile   where the shim records the container's exit status
 * @param shimPid    the shim ({@code sh} around {@code runc run}) that waits for the container
 * @param shimStart  the shim's start time, so that a reused pid is never taken for it
 * @param startedAt  wall-clock time of the start
 */
record ContainerRef(String container, Path runcRoot, Path bundle, Path runDir, Path exitFile, long shimPid, Instant shimStart,
                    Instant startedAt) {
    static final String ENGINE = "oci";
    private static final String MAGIC = "era-oci-handle 1";

    EngineHandle handle() {
        return new EngineHandle(ENGINE, encode().getBytes(StandardCharsets.UTF_8));
    }

    /** The shim still runs (and is the one this start made). */
    boolean shimAlive() {
        return ProcessHandle.of(shimPid).filter(ProcessHandle::isAlive)
                .flatMap(p -> p.info().startInstant()).map(shimStart::equals).orElse(false);
    }

    String encode() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("container", container);
        m.put("runcRoot", runcRoot.toString());
        m.put("bundle", bundle.toString());
        m.put("runDir", runDir.toString());
        m.put("exitFile", exitFile.toString());
        m.put("shimPid", Long.toString(shimPid));
        m.put("shimStart", shimStart.toString());
        m.put("startedAt", startedAt.toString());
        StringBuilder out = new StringBuilder(MAGIC).append('\n');
        m.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
        return out.toString();
    }

    static ContainerRef decode(EngineHandle handle) {
        if (!handle.engine().equals(ENGINE)) {
            throw new EngineException("a handle of engine '" + handle.engine() + "' was given to the oci engine", Map.of());
        }
        return decode(new String(handle.data(), StandardCharsets.UTF_8));
    }

    static ContainerRef decode(String text) {
        String[] lines = text.split("\n");
        if (lines.length == 0 || !lines[0].equals(MAGIC)) {
            throw new EngineException("not an oci engine handle (it starts with '" + (lines.length == 0 ? "" : lines[0]) + "')", Map.of());
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int eq = lines[i].indexOf('=');
            if (eq > 0) {
                m.put(lines[i].substring(0, eq), lines[i].substring(eq + 1));
            }
        }
        try {
            return new ContainerRef(m.get("container"), Path.of(m.get("runcRoot")), Path.of(m.get("bundle")), Path.of(m.get("runDir")),
                    Path.of(m.get("exitFile")), Long.parseLong(m.get("shimPid")), Instant.parse(m.get("shimStart")),
                    Instant.parse(m.get("startedAt")));
        } catch (RuntimeException e) {
            throw new EngineException("a damaged oci engine handle: " + e.getMessage(), Map.of(), e);
        }
    }

    static Optional<ContainerRef> load(Path stateFile) {
        try {
            return Files.exists(stateFile) ? Optional.of(decode(Files.readString(stateFile))) : Optional.empty();
        } catch (IOException e) {
            throw new EngineException("cannot read " + stateFile + ": " + e.getMessage(), Map.of("file", stateFile.toString()), e);
        }
    }

    void save(Path stateFile) {
        Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, encode());
            Files.move(tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new EngineException("cannot write " + stateFile + ": " + e.getMessage() + "; check disk space",
                    Map.of("file", stateFile.toString()), e);
        }
    }
}
