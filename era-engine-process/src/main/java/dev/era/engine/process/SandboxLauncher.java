package dev.era.engine.process;

import dev.era.os.Libc;

import dev.era.api.AppSpec;
import dev.era.api.EngineException;
import dev.era.api.InvalidSpecException;
import dev.era.api.Isolation;
import dev.era.api.Volume;
import dev.era.api.Workload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts sandboxed work under bubblewrap, inside the wrapper of {@link Launcher} (so a sandbox has
 * the same setsid, exit-record and cgroup life as an app, and survives the daemon's death).
 *
 * <p>The wrapper's child, still root and already inside the cgroups, opens the files bubblewrap
 * reads on descriptors 3 to 6, then becomes {@code setpriv} to the sandbox's host user and then
 * {@code bwrap --args 4}. Bubblewrap runs unprivileged, so it creates the user namespace itself
 * (uid {@value SandboxHost#UID} inside maps to the host user, never to root) together with new pid,
 * mount, ipc, uts, cgroup and (for network NONE) net namespaces, builds a root of read-only host
 * directories plus the sandbox's own writable /workspace, /tmp and /home/user, drops every
 * capability, sets no_new_privs, loads the seccomp filter from descriptor 5, and runs the command
 * (or {@code sleep infinity}, an idle init to exec into) under its own pid 1.
 *
 * <p>Being unprivileged, bubblewrap resolves bind sources with the host user's rights, and the data
 * directory is private to root. So each start bind-mounts the sandbox's directories into a staging
 * directory that only root and that user can traverse, and detaches those mounts as soon as the
 * sandbox has its own (its mount namespace keeps them): nothing stays mounted on the host.
 *
 * <p>The environment never reaches the root side: it goes to bubblewrap in the args file (so it is
 * not on any command line either), and a spec's {@code LD_PRELOAD} can only affect the sandbox.
 */
final class SandboxLauncher {
    static final String ENV_FILE = "sandbox.env";
    static final String FILTER_FILE = "seccomp.bpf";
    static final String INFO_FILE = "sandbox.info";
    static final Set<String> RESERVED_VOLUMES = Set.of("workspace", "tmp", "home");
    static final Duration INIT_WAIT = Duration.ofSeconds(10);
    private static final Duration STALE_STAGING = Duration.ofMinutes(1);
    private static final Set<String> SYSTEM_PATHS = Set.of("/", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc", "/proc",
            "/dev", "/sys", "/tmp", "/home", "/home/user", "/workspace");
    private static final Pattern CHILD_PID = Pattern.compile("\"child-pid\"\\s*:\\s*(\\d+)");
    private static final List<String> IDLE_INIT = List.of("sleep", "infinity");

    private final SandboxHost host;
    private final SandboxEtc etc;
    private final byte[] filter = SeccompFilter.program();
    /**
     * Detaching a mount waits for the kernel's RCU grace period (milliseconds on a busy host), so the
     * staging mounts go after start returns; one platform thread, since umount2 blocks in the kernel.
     */
    private final ExecutorService tidier = new ThreadPoolExecutor(0, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            Thread.ofPlatform().daemon().name("era-sandbox-unstage").factory());

    SandboxLauncher(SandboxHost host) {
        this.host = host;
        this.etc = new SandboxEtc(host.stagingRoot().getParent(), shell());
        if (host.available()) {
            tidier.execute(this::removeStaleStaging);
        }
    }

    /** A sandbox's init: bubblewrap's pid 1, whose namespaces exec enters. */
    record Init(long pid, long ticks) {
        static final Init NONE = new Init(0, 0);
    }

    /**
     * A start on its way: the files the wrapper opens for bubblewrap (it runs as the sandbox's host user
     * and could not open them itself), the argv, and the staging directory to remove once the sandbox is up.
     */
    record Prepared(List<Launcher.FdFile> files, List<String> argv, Path infoFile, Path staging) {}

    /**
     * The sandbox's directories on the host, by the path the sandbox sees them at, made now (owned by the
     * sandbox's host user) when they are not there yet, so that files can be put in before the first start.
     */
    Map<String, Path> fileRoots(Workload w) {
        Map<String, Path> roots = roots(w);
        try {
            for (Map.Entry<String, Path> root : roots.entrySet()) {
                ownedDirectory(root.getValue(), root.getKey().equals("/tmp"));
            }
        } catch (IOException e) {
            throw new EngineException("deployment " + w.id() + ": cannot create the sandbox's directories in " + w.volumesDir()
                    + ": " + e.getMessage() + "; check permissions and disk space", Map.of("deployment", w.id().value()), e);
        }
        return roots;
    }

    static Map<String, Path> roots(Workload w) {
        Map<String, Path> roots = new LinkedHashMap<>();
        roots.put(SandboxHost.WORKSPACE, w.volumesDir().resolve("workspace"));
        roots.put("/tmp", w.volumesDir().resolve("tmp"));
        roots.put(SandboxHost.HOME, w.volumesDir().resolve("home"));
        return roots;
    }

    void validate(AppSpec spec) {
        if (!host.available()) {
            throw new InvalidSpecException("isolation", "sandboxes cannot run on this host: " + host.problem()
                    + "; or use isolation: none");
        }
        if (!spec.command().isEmpty() && spec.command().getFirst().isBlank()) {
            throw new InvalidSpecException("command", "starts with an empty program; give the program to run, or no command "
                    + "for an idle sandbox to exec into");
        }
        AppSpecs.validateVolumeNames(spec);
        if (!spec.artifact().isEmpty()) {
            throw new InvalidSpecException("artifact", "sandboxes take no artifact (they see the host's /usr and their "
                    + "own /workspace); remove it and put files into /workspace through the files API or exec");
        }
        if (!spec.workingDir().isEmpty() && !spec.workingDir().startsWith("/")) {
            throw new InvalidSpecException("workingDir", "'" + spec.workingDir() + "' is relative; give a path inside the "
                    + "sandbox such as /workspace/app, or leave it empty for /workspace");
        }
        for (Volume v : spec.volumes()) {
            if (RESERVED_VOLUMES.contains(v.name())) {
                throw new InvalidSpecException("volumes", "volume name '" + v.name() + "' is reserved for the sandbox's own "
                        + "/workspace, /tmp and /home/user, which persist anyway; choose another name");
            }
            String mount = Path.of(v.mountPath()).normalize().toString();
            if (!v.mountPath().startsWith("/") || SYSTEM_PATHS.contains(mount) || mount.startsWith("/proc/")
                    || mount.startsWith("/dev/") || mount.startsWith("/usr/") || mount.startsWith("/etc/")) {
                throw new InvalidSpecException("volumes", "volume '" + v.name() + "' cannot be mounted at '" + v.mountPath()
                        + "'; give an absolute path of its own, such as /data or /workspace/data");
            }
        }
        if (!spec.command().isEmpty() && !spec.command().getFirst().contains("/")
                && Executables.onPath(spec.command().getFirst(), spec.env().getOrDefault("PATH", SandboxHost.PATH)).isEmpty()) {
            throw new InvalidSpecException("command", "program '" + spec.command().getFirst() + "' is not on the sandbox's "
                    + "PATH (" + SandboxHost.PATH + "); install it on the host under /usr or give its absolute path");
        }
    }

    /** The sandbox's environment: its basics, the spec's, then ERA's own, which the spec cannot override. */
    static Map<String, String> environment(Workload w) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", SandboxHost.PATH);
        env.put("HOME", SandboxHost.HOME);
        env.put("USER", SandboxHost.USER);
        env.put("LOGNAME", SandboxHost.USER);
        env.put("SHELL", shell());
        env.put("LANG", "C.UTF-8");
        env.putAll(w.spec().env());
        env.put("ERA_DEPLOYMENT_ID", w.id().value());
        env.put("ERA_VERSION", Integer.toString(w.version()));
        for (Volume v : w.spec().volumes()) {
            env.put(Launcher.volumeVariable(v), v.mountPath());
        }
        return env;
    }

    Prepared prepare(Workload w, String token) {
        Path staging = host.stagingRoot().resolve(w.id().value() + "-" + token);
        try {
            Map<String, Path> dirs = new LinkedHashMap<>(roots(w));
            for (Volume v : w.spec().volumes()) {
                dirs.put(v.mountPath(), w.volume(v));
            }
            for (Map.Entry<String, Path> d : dirs.entrySet()) {
                ownedDirectory(d.getValue(), d.getKey().equals("/tmp"));
            }
            Map<String, String> env = environment(w);
            Path filterFile = w.runDir().resolve(FILTER_FILE);
            if (!Files.exists(filterFile) || !Arrays.equals(Files.readAllBytes(filterFile), filter)) {
                Files.write(filterFile, filter); // execs read it from here, also after a daemon upgrade
            }
            String hostname = hostname(w.spec());
            Path hosts = write(w.runDir().resolve("sandbox.hosts"), "127.0.0.1\tlocalhost\n127.0.1.1\t" + hostname
                    + "\n::1\tlocalhost ip6-localhost ip6-loopback\n");
            // the environment may hold secrets: root's only, like the rest of the run directory should be
            Path envFile = Files.write(w.runDir().resolve(ENV_FILE),
                    nulSeparated(env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
            Path args = Files.write(w.runDir().resolve("sandbox.args"),
                    nulSeparated(bwrapArgs(w, env, hostname, etc.current(), staging, dirs)));
            for (Path secret : List.of(envFile, args)) {
                Files.setAttribute(secret, "unix:mode", 0600);
            }
            Path info = w.runDir().resolve(INFO_FILE);
            Files.deleteIfExists(info); // the last start's, naming an init that is gone
            stage(staging, dirs);
            List<Launcher.FdFile> files = List.of(new Launcher.FdFile(3, true, info), new Launcher.FdFile(4, false, args),
                    new Launcher.FdFile(5, false, filterFile), new Launcher.FdFile(6, false, hosts));
            List<String> argv = new ArrayList<>(List.of(host.setpriv().toString(), "--reuid=" + host.hostUid(),
                    "--regid=" + host.hostGid(), "--clear-groups", host.bwrap().toString(), "--args", "4", "--"));
            argv.addAll(w.spec().argv().isEmpty() ? IDLE_INIT : w.spec().argv());
            return new Prepared(files, argv, info, staging);
        } catch (IOException | EngineException e) {
            unstage(staging);
            throw new EngineException("deployment " + w.id() + ": cannot lay out the sandbox in " + w.volumesDir() + " and "
                    + w.runDir() + ": " + e.getMessage() + "; check permissions and disk space",
                    Map.of("deployment", w.id().value()), e);
        }
    }

    private List<String> bwrapArgs(Workload w, Map<String, String> env, String hostname, Path etcDir, Path staging,
                                   Map<String, Path> dirs) {
        List<String> a = new ArrayList<>(List.of("--unshare-all"));
        if (w.spec().isolation().network() == Isolation.Network.HOST) {
            a.add("--share-net");
        }
        a.addAll(List.of("--hostname", hostname, "--uid", Integer.toString(SandboxHost.UID),
                "--gid", Integer.toString(SandboxHost.GID)));
        a.addAll(host.hostView());
        a.addAll(SandboxEtc.bwrapArgs(etcDir));
        // /dev read-only but for its own /dev/shm (a tmpfs, charged to the memory cgroup) and its devpts
        a.addAll(List.of("--ro-bind-data", "6", "/etc/hosts", "--proc", "/proc", "--dev", "/dev",
                "--perms", "01777", "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
                "--dir", "/var", "--symlink", "../tmp", "/var/tmp"));
        Map<String, Boolean> readOnly = new LinkedHashMap<>();
        w.spec().volumes().forEach(v -> readOnly.put(v.mountPath(), v.readOnly()));
        dirs.keySet().forEach(inside -> a.addAll(List.of(readOnly.getOrDefault(inside, false) ? "--ro-bind" : "--bind",
                staging.resolve(stagingName(inside)).toString(), inside)));
        // the root is a tmpfs that bubblewrap made as the sandbox user: nothing may be created in it
        a.addAll(List.of("--remount-ro", "/",
                "--chdir", w.spec().workingDir().isEmpty() ? SandboxHost.WORKSPACE : w.spec().workingDir(), "--clearenv"));
        env.forEach((k, v) -> a.addAll(List.of("--setenv", k, v)));
        a.addAll(List.of("--info-fd", "3", "--seccomp", "5"));
        return a;
    }

    /**
     * Waits until bubblewrap's pid 1 has forked the command: by then every mount is in place, so exec
     * can enter the sandbox and the staging mounts can go. {@link Init#NONE} when the work already ended.
     */
    Init awaitInit(Workload w, Process process, Prepared prepared) {
        long deadline = System.nanoTime() + INIT_WAIT.toNanos();
        long pid = 0;
        while (process.isAlive()) {
            if (pid == 0) {
                pid = childPid(prepared.infoFile());
            }
            if (pid > 0 && !ProcStat.children(pid).isEmpty()) {
                long init = pid;
                return ProcStat.read(pid).filter(s -> !s.zombie()).map(s -> new Init(init, s.startTicks())).orElse(Init.NONE);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new EngineException("deployment " + w.id() + ": the sandbox did not come up within "
                        + INIT_WAIT.toSeconds() + " s; see " + w.logFile() + " for bubblewrap's message",
                        Map.of("deployment", w.id().value()));
            }
            LockSupport.parkNanos(200_000);
        }
        return Init.NONE;
    }

    /** {@link #unstage} soon, on the tidier thread. */
    void unstageLater(Path staging) {
        tidier.execute(() -> unstage(staging));
    }

    /** Staging left by a daemon that died during a start: older than any start in flight. */
    private void removeStaleStaging() {
        Instant before = Instant.now().minus(STALE_STAGING);
        try (var entries = Files.list(host.stagingRoot())) {
            for (Path p : entries.toList()) {
                if (Files.getLastModifiedTime(p).toInstant().isBefore(before)) {
                    unstage(p);
                }
            }
        } catch (IOException e) {
            // no staging root yet, or unreadable: nothing to tidy
        }
    }

    /** Detaches the staging mounts and removes their directories; quiet when they are gone. */
    void unstage(Path staging) {
        if (!Files.isDirectory(staging)) {
            return;
        }
        try (var entries = Files.list(staging)) {
            for (Path p : entries.toList()) {
                Libc.detach(p.toString()); // EINVAL when it is no mount (a failed start): removed below anyway
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(staging);
        } catch (IOException e) {
            // left for the next start's clean-up of the staging root; it holds no data
        }
    }

    private void stage(Path staging, Map<String, Path> dirs) throws IOException {
        Files.createDirectories(host.stagingRoot());
        Files.setPosixFilePermissions(host.stagingRoot(), PosixFilePermissions.fromString("rwx--x--x"));
        Files.createDirectory(staging);
        // root and the sandbox's host group may traverse it, nobody else: a start's directories are private
        Files.setAttribute(staging, "unix:gid", host.hostGid());
        Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-x---"));
        for (Map.Entry<String, Path> d : dirs.entrySet()) {
            Path target = Files.createDirectory(staging.resolve(stagingName(d.getKey())));
            Libc.Result r = Libc.bindMount(d.getValue().toString(), target.toString());
            if (r.failed()) {
                throw new IOException("bind mount of " + d.getValue() + " on " + target + " failed: " + Libc.describe(r.errno()));
            }
        }
    }

    /** Creates the directory if needed and gives it to the sandbox's host user (tmp also gets the sticky bit). */
    private void ownedDirectory(Path dir, boolean sticky) throws IOException {
        Files.createDirectories(dir);
        if (!Integer.valueOf(host.hostUid()).equals(Files.getAttribute(dir, "unix:uid"))) {
            Files.setAttribute(dir, "unix:uid", host.hostUid());
            Files.setAttribute(dir, "unix:gid", host.hostGid());
            Files.setAttribute(dir, "unix:mode", sticky ? 01777 : 0755);
        }
    }

    private static String stagingName(String inside) {
        return inside.substring(1).replace('/', '_');
    }

    private static long childPid(Path info) {
        try {
            Matcher m = CHILD_PID.matcher(Files.readString(info));
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static String hostname(AppSpec spec) {
        String name = spec.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        name = name.length() > 63 ? name.substring(0, 63) : name;
        return name.isBlank() ? "sandbox" : name;
    }

    private static String shell() {
        return Files.isExecutable(Path.of("/bin/bash")) ? "/bin/bash" : "/bin/sh";
    }

    private static Path write(Path file, String content) throws IOException {
        return Files.writeString(file, content);
    }

    static byte[] nulSeparated(List<String> items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String item : items) {
            if (item.indexOf('\0') >= 0) {
                throw new EngineException("'" + item.replace('\0', '?') + "' holds a NUL character; remove it from the spec");
            }
            out.writeBytes(item.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }
}
