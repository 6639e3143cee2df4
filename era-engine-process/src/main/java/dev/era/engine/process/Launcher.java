package dev.era.engine.process;

import dev.era.api.EngineException;
import dev.era.api.Volume;
import dev.era.api.Workload;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Spawns the wrapper ({@code wrapper.sh}) as {@code setsid /bin/sh wrapper.sh ...}: a new session
 * and process group, stdin from {@code /dev/null}, stdout and stderr appended straight to the log
 * file, so that nothing ties the work to the daemon's JVM and it survives the daemon's death.
 */
final class Launcher {
    static final String SHELL = "/bin/sh";
    private static final String WRAPPER = loadWrapper();
    private static final String WRAPPER_HASH = sha256(WRAPPER).substring(0, 16);

    /** The daemon's PATH, LANG and HOME, read once at start. */
    private final Map<String, String> hostEnv;
    private final Path setsid;

    Launcher(Map<String, String> hostEnv, Path setsid) {
        this.hostEnv = Map.copyOf(hostEnv);
        this.setsid = setsid;
    }

    static Map<String, String> hostEnv(Map<String, String> daemonEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String name : List.of("PATH", "LANG", "HOME")) {
            if (daemonEnv.containsKey(name)) {
                env.put(name, daemonEnv.get(name));
            }
        }
        env.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        return env;
    }

    String path() {
        return hostEnv.get("PATH");
    }

    /** The app's environment: the daemon's basics, then the spec's, then ERA's own, which the spec cannot override. */
    Map<String, String> environment(Workload w) {
        Map<String, String> env = new LinkedHashMap<>(hostEnv);
        env.putAll(w.spec().env());
        env.put("ERA_DEPLOYMENT_ID", w.id().value());
        env.put("ERA_VERSION", Integer.toString(w.version()));
        for (Volume v : w.spec().volumes()) {
            env.put(volumeVariable(v), w.volume(v).toAbsolutePath().toString());
        }
        return env;
    }

    static String volumeVariable(Volume v) {
        return "ERA_VOLUME_" + v.name().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /** A file the wrapper's child opens on descriptor {@code fd} (3 to 9) before it becomes the program. */
    record FdFile(int fd, boolean write, Path file) {
        FdFile {
            if (fd < 3 || fd > 9) {
                throw new IllegalArgumentException("the wrapper opens descriptors 3 to 9 only, not " + fd);
            }
        }
    }

    /**
     * Starts {@code argv} (the app's, or the sandbox's launch) under the wrapper, in {@code workDir} with
     * exactly {@code env}, with {@code files} open on their descriptors.
     */
    Process launch(Workload w, Path workDir, Map<String, String> env, Cgroup cgroup, Path exitFile, Path readyFile,
                   List<FdFile> files, List<String> argv) {
        Path script = w.runDir().resolve("wrapper.sh");
        List<String> cmd = new ArrayList<>(List.of(setsid.toString(), SHELL, script.toString(), exitFile.toString(),
                readyFile.toString(), cgroup.oomCounter().map(Path::toString).orElse("-"),
                Integer.toString(cgroup.procsFiles().size())));
        cgroup.procsFiles().forEach(p -> cmd.add(p.toString()));
        cmd.add(Integer.toString(files.size()));
        files.forEach(f -> cmd.addAll(List.of(f.fd() + (f.write() ? ">" : "<"), f.file().toString())));
        cmd.addAll(argv);
        try {
            writeWrapper(script);
            Files.createDirectories(w.logFile().toAbsolutePath().getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(w.logFile().toFile()))
                    .redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().putAll(env);
            return pb.start();
        } catch (IOException e) {
            throw new EngineException("deployment " + w.id() + ": cannot start " + argv + " in " + workDir + ": "
                    + e.getMessage() + "; check that " + setsid + " and " + SHELL + " exist and the log file "
                    + w.logFile() + " is writable", Map.of("deployment", w.id().value()), e);
        }
    }

    /**
     * Spawns the wrapper in its standby form ({@link StandbyStarts}): its child joins {@code cgroup} now and
     * waits, with stdin a pipe from this JVM, until {@link #resume} hands it a start. The spawn has a bare
     * environment, like a sandbox's root side.
     */
    Process standby(Path dir, Cgroup cgroup, Path goFile) throws IOException {
        // named by content: daemons of other versions may share the directory
        Path script = dir.resolve("wrapper-" + WRAPPER_HASH + ".sh");
        List<String> cmd = new ArrayList<>(List.of(setsid.toString(), SHELL, script.toString(), "--standby",
                goFile.toString(), cgroup.oomCounter().map(Path::toString).orElse("-"),
                Integer.toString(cgroup.procsFiles().size())));
        cgroup.procsFiles().forEach(p -> cmd.add(p.toString()));
        writeWrapper(script);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", SandboxHost.PATH);
        return pb.start();
    }

    /**
     * Hands a standby wrapper its start: the go file (written whole before the wrapper is told, root's
     * only, every value single-quoted), then one line on its stdin. Same result as {@link #launch} with
     * {@code workDir} the run directory.
     */
    void resume(StandbyStarts.Standby standby, Workload w, Cgroup cgroup, Path exitFile, Path readyFile,
                List<FdFile> files, List<String> argv) {
        StringBuilder go = new StringBuilder();
        assign(go, "exit_file", exitFile.toString());
        assign(go, "ready_file", readyFile.toString());
        assign(go, "oom_file", cgroup.oomCounter().map(Path::toString).orElse("-"));
        assign(go, "log_file", w.logFile().toAbsolutePath().toString());
        assign(go, "run_dir", w.runDir().toString());
        go.append("set --");
        List<String> args = new ArrayList<>();
        args.add(Integer.toString(files.size()));
        files.forEach(f -> args.addAll(List.of(f.fd() + (f.write() ? ">" : "<"), f.file().toString())));
        args.addAll(argv);
        for (String a : args) {
            go.append(' ').append(quote(a));
        }
        go.append('\n');
        try {
            Files.createDirectories(w.logFile().toAbsolutePath().getParent());
            Path tmp = standby.goFile().resolveSibling(standby.goFile().getFileName() + ".tmp");
            Files.writeString(tmp, go);
            Files.setAttribute(tmp, "unix:mode", 0600);
            Files.move(tmp, standby.goFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (var in = standby.process().getOutputStream()) {
                in.write('\n');
            }
        } catch (IOException e) {
            throw new EngineException("deployment " + w.id() + ": cannot hand the start to standby wrapper "
                    + standby.process().pid() + " through " + standby.goFile() + ": " + e.getMessage()
                    + "; check that /run is writable", Map.of("deployment", w.id().value()), e);
        }
    }

    private static void assign(StringBuilder go, String name, String value) {
        go.append(name).append('=').append(quote(value)).append('\n');
    }

    /** One shell word for any string without NUL: inside single quotes nothing is special but the quote itself. */
    static String quote(String s) {
        if (s.indexOf('\0') >= 0) {
            throw new EngineException("'" + s.replace('\0', '?') + "' holds a NUL character; remove it from the spec");
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Replaced by rename, never rewritten in place: a running shell reads its script as it goes. */
    private static void writeWrapper(Path script) throws IOException {
        if (Files.exists(script) && Files.readString(script).equals(WRAPPER)) {
            return;
        }
        Path tmp = script.resolveSibling("wrapper.sh.tmp");
        Files.writeString(tmp, WRAPPER);
        Files.move(tmp, script, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String loadWrapper() {
        try (InputStream in = Launcher.class.getResourceAsStream("wrapper.sh")) {
            if (in == null) {
                throw new IllegalStateException("wrapper.sh is missing from the era-engine-process jar");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
