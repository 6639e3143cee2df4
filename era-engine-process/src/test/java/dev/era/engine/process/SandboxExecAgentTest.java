package dev.era.engine.process;

import dev.era.api.EngineHandle;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;
import dev.era.api.Resources;
import dev.era.api.Workload;
import dev.era.os.Libc;
import dev.era.testing.ExecResult;
import dev.era.testing.ExitRecorder;
import dev.era.testing.Terminal;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The resident exec agent ({@link ExecAgents}): execs go through it, and what it runs is as confined
 * as what the applier ran; without it exec still works, and it comes back.
 */
class SandboxExecAgentTest extends SandboxTestSupport {
    private static final List<String> NAMESPACES = List.of("user", "mnt", "pid", "net", "ipc", "uts", "cgroup");

    @Test
    void anExecGoesThroughTheSandboxsAgent() throws Exception {
        EngineHandle h = start(workload(sandbox()));
        long agent = agentPid(h);

        try (ExecProcess sleeper = engine.exec(h, ExecSpec.of("sleep", "30"))) {
            assertThat(status(sleeper.pid(), "PPid")).isEqualTo(Long.toString(agent));
            assertThat(sleeper).isInstanceOf(AgentExec.class);
        }
    }

    @Test
    void aCommandOfTheAgentIsAsConfinedAsTheSandboxsInit() throws Exception {
        EngineHandle h = start(workload(sandbox()));
        long init = ref(h).initPid();

        try (ExecProcess sleeper = engine.exec(h, ExecSpec.of("sleep", "30"))) {
            long pid = sleeper.pid();
            awaitCommand(pid, "sleep"); // from fork to exec the child is still root's, beyond the sandbox's reach
            assertThat(status(pid, "PPid")).isEqualTo(Long.toString(agentPid(h)));
            for (String ns : NAMESPACES) {
                assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + ns))).as(ns)
                        .isEqualTo(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/" + ns)));
            }
            assertThat(Files.readString(Path.of("/proc/" + pid + "/cgroup")))
                    .isEqualTo(Files.readString(Path.of("/proc/" + init + "/cgroup")));
            assertThat(status(pid, "Uid")).isEqualTo(String.join("\t", List.of("2000000000", "2000000000", "2000000000",
                    "2000000000")));
            assertThat(status(pid, "Seccomp")).isEqualTo("2");
            assertThat(status(pid, "NoNewPrivs")).isEqualTo("1");
            assertThat(status(pid, "CapBnd")).isEqualTo("0000000000000000");
            assertThat(status(pid, "CapEff")).isEqualTo("0000000000000000");
        }
        ExecResult inside = sh(h, "id -u; id -G; echo $$; ls /sys/class/net 2>/dev/null || cut -d: -f1 /proc/net/dev | tail -n +3");
        assertThat(inside.stdout().lines().toList()).satisfies(lines -> {
            assertThat(lines.get(0)).isEqualTo("1000");
            assertThat(lines.get(1)).isEqualTo("1000");
            assertThat(Long.parseLong(lines.get(2))).as("pid inside the sandbox's pid namespace").isLessThan(1000);
            assertThat(lines.subList(3, lines.size())).extracting(String::strip).containsExactly("lo");
        });
    }

    @Test
    void theAgentIsRootsAndOutsideTheSandboxsPidNamespaceSoNoSandboxProcessCanReachIt() throws Exception {
        EngineHandle h = start(workload(sandbox()));
        long agent = agentPid(h);

        assertThat(status(agent, "Uid")).startsWith("0\t");
        assertThat(Files.readSymbolicLink(Path.of("/proc/" + agent + "/ns/pid")))
                .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")));
        assertThat(environment(agent)).containsExactly("PATH=" + SandboxHost.PATH);
        ExecResult r = sh(h, "for p in /proc/[0-9]*; do cat $p/cmdline | tr '\\0' ' '; echo; done; kill -0 -1; echo $?");
        assertThat(r.stdout()).doesNotContain("exec-agent");
    }

    @Test
    void theAgentIsInTheSandboxsCgroupsSoItIsFrozenWithIt() throws Exception {
        EngineHandle h = start(workload(sandbox()));
        long agent = agentPid(h);

        assertThat(new Cgroup(ref(h).cgroupDirs()).members()).contains(agent, ref(h).initPid());
        engine.pause(h);
        assertThat(engine.paused(h)).isTrue();
        engine.resume(h);

        assertThat(sh(h, "echo thawed").stdout()).isEqualTo("thawed\n");
        assertThat(agentPid(h)).isEqualTo(agent);
    }

    @Test
    void aTerminalExecThroughTheAgentIsTheTerminalsForegroundJob() throws Exception {
        EngineHandle h = start(workload(sandbox()));

        try (ExecProcess p = engine.exec(h, new ExecSpec(List.of("/bin/sh", "-c", "tty; stty size; ps -o stat= -p $$"),
                Map.of(), "", true, 30, 100))) {
            assertThat(p).isInstanceOf(AgentExec.class);
            String out = new String(p.stdout().readAllBytes());
            assertThat(p.exitCode()).succeedsWithin(TIMEOUT).isEqualTo(0);
            assertThat(out).contains("/dev/pts/").contains("30 100").contains("+");
        }
    }

    @Test
    void withoutItsAgentASandboxStillTakesExecsAndGetsANewAgent() throws Exception {
        EngineHandle h = start(workload(sandbox()));
        long agent = agentPid(h);
        Libc.kill(agent, 9);
        awaitGone(agent);

        ExecResult r = sh(h, "id -un; grep Seccomp: /proc/self/status");

        assertThat(r.stdout()).isEqualTo("user\nSeccomp:\t2\n");
        long replacement = awaitAgent(h);
        assertThat(replacement).isNotEqualTo(agent);
        try (ExecProcess sleeper = engine.exec(h, ExecSpec.of("sleep", "30"))) {
            assertThat(status(sleeper.pid(), "PPid")).isEqualTo(Long.toString(replacement));
        }
    }

    @Test
    void aNewEngineUsesTheAgentThatOutlivedTheOldOneAndStartsOneWhereNoneIs() throws Exception {
        Workload w = workload(sandbox());
        EngineHandle h = start(w);
        long agent = agentPid(h);

        ProcessEngine restarted = new ProcessEngine();
        assertThat(restarted.recover(h, w, new ExitRecorder())).contains(h);
        try (ExecProcess sleeper = restarted.exec(h, ExecSpec.of("sleep", "30"))) {
            assertThat(status(sleeper.pid(), "PPid")).isEqualTo(Long.toString(agent));
        }

        Libc.kill(agent, 9);
        awaitGone(agent);
        ProcessEngine again = new ProcessEngine();
        assertThat(again.recover(h, w, new ExitRecorder())).contains(h);
        assertThat(awaitAgent(h)).isNotEqualTo(agent);
    }

    @Test
    void theAgentEndsWithItsSandbox() throws Exception {
        EngineHandle h = start(workload(sandbox()));
        long agent = agentPid(h);
        Path socket = Path.of("/run/era/exec").resolve(socketName(h));
        assertThat(socket).exists();

        engine.stop(h, Duration.ZERO);

        awaitGone(agent);
        assertThat(socket).doesNotExist();
    }

    @Test
    void aCommandStartedByTheAgentEndsWhenTheSandboxStops() throws Exception {
        EngineHandle h = start(workload(sandbox()));
        ExecProcess sleeper = engine.exec(h, ExecSpec.of("sleep", "300"));

        engine.stop(h, Duration.ZERO);

        assertThat(sleeper.exitCode()).succeedsWithin(TIMEOUT).isEqualTo(137);
        sleeper.close();
    }

    @Test
    void aTerminalSessionHasItsShellInput() throws Exception {
        EngineHandle h = start(workload(sandbox()));
        try (Terminal t = Terminal.open(engine, h, 24, 80, "/bin/sh")) {
            assertThat(t.process()).isInstanceOf(AgentExec.class);
            t.type("echo $((6*7))x\n");
            t.await("42x", TIMEOUT);
            t.type("exit 3\n");
            assertThat(t.process().exitCode()).succeedsWithin(TIMEOUT).isEqualTo(3);
        }
    }

    @Test
    void theAgentRefusesMalformedRequestsAndServesTheNextExec() throws Exception {
        EngineHandle h = start(workload(sandbox()));
        long agent = agentPid(h);
        String socket = Path.of("/run/era/exec").resolve(socketName(h)).toString();

        int garbage = (int) Libc.connectUnix(socket).value();
        Libc.write(garbage, "GET / HTTP/1.1\r\n\r\n".getBytes(), 0, 18);
        Libc.close(garbage);
        int truncated = (int) Libc.connectUnix(socket).value();
        int[] status = new int[2];
        Libc.pipe(status, Libc.O_CLOEXEC);
        byte[] request = ExecAgents.request("/", List.of("true"), Map.of(), false);
        int devNull = (int) Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC).value();
        Libc.sendWithDescriptors(truncated, java.util.Arrays.copyOf(request, request.length - 3),
                new int[] {devNull, devNull, devNull, status[1]});
        Libc.close(truncated);
        Libc.close(status[1]);
        Libc.close(devNull);
        byte[] answer = new byte[64];
        long n = Libc.read(status[0], answer).value();
        Libc.close(status[0]);

        assertThat(new String(answer, 0, (int) Math.max(0, n))).startsWith("e ");
        try (ExecProcess sleeper = engine.exec(h, ExecSpec.of("sleep", "30"))) {
            assertThat(status(sleeper.pid(), "PPid")).isEqualTo(Long.toString(agent));
        }
    }

    @Test
    void anExecIntoASandboxAtItsPidsLimitFailsAsAShellWouldReportIt() throws Exception {
        EngineHandle h = start(workload(sandbox().resources(new Resources(0, 0, 8))));
        // fill the sandbox up to its limit (the filler stays, so no slot frees), then try one more command
        try (ExecProcess filler = engine.exec(h, ExecSpec.of("perl", "-e", "$| = 1; for (1 .. 20) { my $p = fork; "
                + "last unless defined $p; if ($p == 0) { close STDOUT; close STDERR; sleep 30; exit } } "
                + "print \"filled\\n\"; sleep 30"))) {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(filler.stdout())).readLine())
                    .isEqualTo("filled");

            ExecResult r = ExecResult.run(engine, h, TIMEOUT, "true");

            assertThat(r.exitCode()).isEqualTo(126);
            assertThat(r.stderr()).contains("fork");
        }
        assertThat(findAgent(h)).isPresent();
    }

    private String socketName(EngineHandle h) {
        WorkRef r = ref(h);
        return ExecAgentBinary.hash(r.runDir().toAbsolutePath() + "\n" + r.initPid() + "\n" + r.initTicks()) + ".sock";
    }

    /** The agent: the sandbox's cgroup member that runs the agent's program (started in the background). */
    private static long agentPid(EngineHandle h) throws InterruptedException {
        return awaitAgent(h);
    }

    private static Optional<Long> findAgent(EngineHandle h) {
        return new Cgroup(ref(h).cgroupDirs()).members().stream().filter(pid -> {
            try {
                return Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).getFileName().toString().startsWith("exec-agent-");
            } catch (IOException e) {
                return false;
            }
        }).findFirst();
    }

    /** The agent once it listens: its process joins the cgroups a moment before its socket goes live. */
    private static long awaitAgent(EngineHandle h) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Optional<Long> agent;
        while ((agent = findAgent(h)).isEmpty() || !listening(h)) {
            assertThat(System.nanoTime()).as("a new exec agent").isLessThan(deadline);
            Thread.sleep(10);
        }
        return agent.get();
    }

    private static boolean listening(EngineHandle h) {
        WorkRef r = ref(h);
        Path socket = Path.of("/run/era/exec").resolve(ExecAgentBinary.hash(r.runDir().toAbsolutePath() + "\n" + r.initPid()
                + "\n" + r.initTicks()) + ".sock");
        return Files.exists(socket);
    }

    private static String status(long pid, String key) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith(key + ":"))
                .map(l -> l.substring(key.length() + 1).strip()).findFirst().orElseThrow();
    }

    private static List<String> environment(long pid) throws IOException {
        return List.of(Files.readString(Path.of("/proc/" + pid + "/environ")).split("\0"));
    }

    private static void awaitCommand(long pid, String name) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.readString(Path.of("/proc/" + pid + "/comm")).strip().equals(name)) {
            assertThat(System.nanoTime()).as("process " + pid + " to become " + name).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    private static void awaitGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (ProcStat.read(pid).filter(s -> !s.zombie()).isPresent()) {
            assertThat(System.nanoTime()).as("process " + pid + " to end").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
