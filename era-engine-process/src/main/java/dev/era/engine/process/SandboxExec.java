package dev.era.engine.process;

import dev.era.os.Libc;

import dev.era.api.BadRequestException;
import dev.era.api.EngineException;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Runs a command inside a running sandbox, with everything its init has: namespaces, cgroups,
 * user, no_new_privs, an empty capability set and the seccomp filter.
 *
 * <p>Through the sandbox's resident exec agent when it has one ({@link ExecAgents}, {@link AgentExec}:
 * about a millisecond); otherwise through a fresh applier per command, as follows (10 to 30 ms).
 * The daemon spawns one root process, {@code perl sandbox-exec.pl}, which does in order: a new
 * session (and the terminal as its controlling one), the sandbox's cgroups, its namespaces through
 * setns(2) on bubblewrap's pid 1 (the user namespace last, while root's rights still count for the
 * others), and a fork, since a pid namespace applies to children only. The child applies
 * no_new_privs, the filter and an empty bounding set while it still belongs to root, and only then
 * becomes the sandbox user and execs the command: no sandbox process can ever signal, trace or
 * write into it before the filter holds. The parent stays outside and exits with the command's
 * status (128 + n when a signal n killed it). See the script for the details.
 *
 * <p>Why not nsenter and bubblewrap: nsenter can only become the sandbox user before exec'ing the
 * applier, which would then run as that user, unfiltered, in reach of the sandbox's processes; and
 * bubblewrap's {@code --userns}/{@code --pidns} cannot join a sandbox it made unprivileged (the pid
 * namespace belongs to an outer user namespace that no process lives in), nor a net or ipc
 * namespace, and would build a second mount namespace.
 *
 * <p>The environment travels as {@code ERA_X_<name>} through the root process (where an
 * {@code LD_PRELOAD} or {@code PERL5OPT} would otherwise act as root) and is unpacked just before
 * the exec.
 */
final class SandboxExec {
    private static final String APPLIER = resource("sandbox-exec.pl");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String PREFIX = "ERA_X_";

    private final SandboxHost host;
    private final ExecAgents agents;

    SandboxExec(SandboxHost host, ExecAgents agents) {
        this.host = host;
        this.agents = agents;
    }

    ExecProcess exec(WorkRef ref, ExecSpec spec) {
        if (!spec.workingDir().isEmpty() && !spec.workingDir().startsWith("/")) {
            throw new BadRequestException("exec working directory '" + spec.workingDir() + "' is relative; give a path "
                    + "inside the sandbox such as /workspace/app, or leave it empty for /workspace");
        }
        Map<String, String> env = new LinkedHashMap<>(sandboxEnvironment(ref));
        for (Map.Entry<String, String> e : spec.env().entrySet()) {
            if (!NAME.matcher(e.getKey()).matches() || e.getValue().indexOf('\0') >= 0) {
                throw new BadRequestException("exec environment variable '" + e.getKey() + "' is not a valid name "
                        + "(letters, digits and '_', not starting with a digit) or its value holds a NUL character");
            }
            env.put(e.getKey(), e.getValue());
        }
        if (spec.tty()) {
            env.putIfAbsent("TERM", "xterm-256color");
        }
        if (spec.workingDir().indexOf('\0') >= 0 || spec.command().stream().anyMatch(a -> a.indexOf('\0') >= 0)) {
            throw new BadRequestException("exec command or working directory holds a NUL character; remove it",
                    Map.of("command", spec.command()));
        }
        String dir = spec.workingDir().isEmpty() ? SandboxHost.WORKSPACE : spec.workingDir();
        try {
            Optional<ExecProcess> viaAgent = AgentExec.start(agents, ref, host, dir, spec.command(), env, spec.tty(),
                    spec.rows(), spec.cols());
            if (viaAgent.isPresent()) {
                return viaAgent.get();
            }
        } catch (IOException e) {
            throw new EngineException("cannot start " + spec.command() + " in the sandbox of " + ref.runDir() + ": "
                    + e.getMessage(), Map.of("command", spec.command()), e);
        }
        return throughApplier(ref, spec, env, dir);
    }

    /** The slow path, when the sandbox has no agent: a fresh root applier for this one command. */
    private ExecProcess throughApplier(WorkRef ref, ExecSpec spec, Map<String, String> env, String dir) {
        Cgroup cgroup = new Cgroup(ref.cgroupDirs());
        List<String> cmd = new ArrayList<>(List.of(host.perl().toString(), "-e", APPLIER, "--", Long.toString(ref.initPid()),
                Long.toString(ref.initTicks()), Integer.toString(SandboxHost.UID), Integer.toString(SandboxHost.GID),
                ref.runDir().resolve(SandboxLauncher.FILTER_FILE).toString(), dir, spec.tty() ? "1" : "0",
                Integer.toString(cgroup.procsFiles().size())));
        cgroup.procsFiles().forEach(p -> cmd.add(p.toString()));
        cmd.addAll(spec.command());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Path.of("/").toFile());
        pb.environment().clear();
        pb.environment().put("PATH", SandboxHost.PATH);
        env.forEach((k, v) -> pb.environment().put(PREFIX + k, v));
        try {
            return spec.tty() ? PtyExec.start(pb, ref, host, spec.rows(), spec.cols()) : PipeExec.start(pb);
        } catch (IOException e) {
            throw new EngineException("cannot start " + spec.command() + " in the sandbox of " + ref.runDir() + ": "
                    + e.getMessage() + "; check that " + host.perl() + " exists",
                    Map.of("command", spec.command()), e);
        }
    }

    /** The environment the sandbox's init got, as its start recorded it. */
    private static Map<String, String> sandboxEnvironment(WorkRef ref) {
        Path file = ref.runDir().resolve(SandboxLauncher.ENV_FILE);
        try {
            Map<String, String> env = new LinkedHashMap<>();
            for (String entry : new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\0")) {
                int eq = entry.indexOf('=');
                if (eq > 0) {
                    env.put(entry.substring(0, eq), entry.substring(eq + 1));
                }
            }
            return env;
        } catch (IOException e) {
            throw new EngineException("cannot read the sandbox's environment from " + file + ": " + e.getMessage()
                    + "; the run directory was removed, restart the sandbox", Map.of("file", file.toString()), e);
        }
    }

    /** The command's host pid: the applier's child (which became the command). 0 while it is not forked yet. */
    static long commandPid(long leader) {
        List<Long> children = ProcStat.children(leader);
        return children.isEmpty() ? 0 : children.getFirst();
    }

    /**
     * Sends {@code signal} to the command's process group, or to the command alone while the applier has
     * not yet made that group. Quiet when the command is gone.
     */
    static void signal(long leader, int signal) {
        checkSignal(signal);
        long command = commandPid(leader);
        if (command == 0) {
            return;
        }
        boolean leads = ProcStat.read(command).map(s -> s.pgrp() == command).orElse(false);
        Libc.kill(leads ? -command : command, signal);
    }

    static void checkSignal(int signal) {
        if (signal < 1 || signal > 64) {
            throw new BadRequestException("signal " + signal + " does not exist; give 1 to 64, e.g. 2 (SIGINT), 15 (SIGTERM) "
                    + "or 9 (SIGKILL)", Map.of("signal", signal));
        }
    }

    private static String resource(String name) {
        try (InputStream in = SandboxExec.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the era-engine-process jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
