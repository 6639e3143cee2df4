package dev.era.engine.process;

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
import java.util.regex.Pattern;

/**
 * Runs a command inside a running sandbox, with everything its init has: namespaces, cgroups,
 * user, no_new_privs and seccomp filter.
 *
 * <p>The chain, each step exec'ing the next: {@code setsid [--ctty] sh} (root) writes its own pid
 * into the sandbox's cgroups, so that nothing of the command ever runs outside them; {@code nsenter
 * -t <init> -a -r -S 1000 -G 1000} enters the user namespace and, through it, every other namespace
 * of bubblewrap's pid 1 (forking once, since a new pid namespace only applies to children), clears
 * the supplementary groups and becomes the sandbox user, which leaves no capability after its exec;
 * {@code perl sandbox-exec.pl} sets no_new_privs, loads the same seccomp filter the init got (from
 * the run directory, fd 9), makes the command its own process group (the terminal's foreground one
 * with a TTY) and execs it. nsenter stays outside as the command's parent and exits with its status.
 *
 * <p>Why not bubblewrap again: its {@code --userns}/{@code --pidns} cannot join a sandbox it made
 * unprivileged (the pid namespace belongs to an outer user namespace that no process lives in), it
 * cannot join a net or ipc namespace at all, and it would build a second mount namespace. Entering
 * the init's namespaces gives the exec'd command exactly the init's view.
 *
 * <p>The environment travels as {@code ERA_X_<name>} through the root side (where an {@code LD_PRELOAD}
 * would otherwise run as root) and is unpacked by the applier.
 */
final class SandboxExec {
    private static final String APPLIER = resource("sandbox-exec.pl");
    /** Joins the cgroups, then enters the sandbox. Arguments: filter nsenter init uid gid n procs... applier-argv... */
    private static final String ENTER = """
            filter=$1 nsenter=$2 init=$3 uid=$4 gid=$5 n=$6
            shift 6
            while [ "$n" -gt 0 ]; do
              echo $$ > "$1" || { echo "era: cannot join cgroup $1" >&2; exit 125; }
              shift
              n=$((n - 1))
            done
            exec "$nsenter" -t "$init" -a -r -S "$uid" -G "$gid" -- "$@" 9<"$filter"
            """;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String PREFIX = "ERA_X_";

    private final SandboxHost host;
    private final Path setsid;

    SandboxExec(SandboxHost host, Path setsid) {
        this.host = host;
        this.setsid = setsid;
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
        Cgroup cgroup = new Cgroup(ref.cgroupDirs());
        List<String> cmd = new ArrayList<>(List.of(setsid.toString()));
        if (spec.tty()) {
            cmd.add("--ctty"); // stdin is the terminal's slave: it becomes the session's controlling terminal
        }
        cmd.addAll(List.of(Launcher.SHELL, "-c", ENTER, "era-exec", ref.runDir().resolve(SandboxLauncher.FILTER_FILE).toString(),
                host.nsenter().toString(), Long.toString(ref.initPid()), Integer.toString(SandboxHost.UID),
                Integer.toString(SandboxHost.GID), Integer.toString(cgroup.procsFiles().size())));
        cgroup.procsFiles().forEach(p -> cmd.add(p.toString()));
        cmd.addAll(List.of(host.perl().toString(), "-e", APPLIER, "--",
                spec.workingDir().isEmpty() ? SandboxHost.WORKSPACE : spec.workingDir(), spec.tty() ? "1" : "0"));
        cmd.addAll(spec.command());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Path.of("/").toFile());
        pb.environment().clear();
        pb.environment().put("PATH", SandboxHost.PATH);
        env.forEach((k, v) -> pb.environment().put(PREFIX + k, v));
        try {
            return spec.tty() ? PtyExec.start(pb, ref, host, spec.rows(), spec.cols()) : PipeExec.start(pb);
        } catch (IOException e) {
            throw new EngineException("cannot start " + spec.command() + " in the sandbox of " + ref.runDir() + ": "
                    + e.getMessage() + "; check that " + setsid + ", " + host.nsenter() + " and " + host.perl() + " exist",
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

    /** The command's host pid: nsenter's child (the applier became the command). 0 while it is not forked yet. */
    static long commandPid(long leader) {
        List<Long> children = ProcStat.children(leader);
        return children.isEmpty() ? 0 : children.getFirst();
    }

    /**
     * Sends {@code signal} to the command's process group, or to the command alone while the applier has
     * not yet made that group. Quiet when the command is gone.
     */
    static void signal(long leader, int signal) {
        long command = commandPid(leader);
        if (command == 0) {
            return;
        }
        boolean leads = ProcStat.read(command).map(s -> s.pgrp() == command).orElse(false);
        Libc.kill(leads ? -command : command, signal);
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
