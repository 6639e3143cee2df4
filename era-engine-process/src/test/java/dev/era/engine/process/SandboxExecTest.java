package dev.era.engine.process;

import dev.era.api.BadRequestException;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;
import dev.era.api.Workload;
import dev.era.testing.ExecResult;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Commands exec'd into a sandbox: where they run, what they get, how they end. */
class SandboxExecTest extends SandboxTestSupport {
    private static final List<String> NAMESPACES = List.of("user", "mnt", "pid", "net", "ipc", "uts", "cgroup");

    @Test
    void anExecdCommandSharesEveryNamespaceOfTheSandboxsInit() throws Exception {
        EngineHandle h = start(workload(sandbox()));
        long init = ref(h).initPid();

        try (ExecProcess sleeper = engine.exec(h, ExecSpec.of("sleep", "30"))) {
            long pid = sleeper.pid();
            for (String ns : NAMESPACES) {
                assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + ns))).as(ns)
                        .isEqualTo(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/" + ns)))
                        .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)));
            }
        }
    }

    @Test
    void theCommandGetsTheSandboxsEnvironmentAndItsOwn() {
        Workload w = workload(sandbox().env("FROM_SPEC", "spec").env("SHARED", "spec"));
        EngineHandle h = start(w);

        ExecResult r = ExecResult.run(engine, h, new ExecSpec(List.of("/bin/sh", "-c",
                "echo $FROM_SPEC $SHARED $FROM_EXEC $HOME $USER $ERA_DEPLOYMENT_ID; id -un; pwd"),
                Map.of("FROM_EXEC", "exec", "SHARED", "exec"), "/home/user", false, 24, 80), "", TIMEOUT);

        assertThat(r.stdout()).isEqualTo("spec exec exec /home/user user " + w.id() + "\nuser\n/home/user\n");
    }

    @Test
    void aLoaderVariableFromTheSpecReachesOnlyTheSandbox() throws IOException {
        Workload w = workload(sandbox().env("LD_PRELOAD", "/nonexistent-era.so"));
        EngineHandle h = start(w);

        try (ExecProcess p = engine.exec(h, new ExecSpec(List.of("sleep", "30"), Map.of("LD_AUDIT", "/nonexistent-era.so"), "",
                false, 24, 80))) {
            long command = p.pid();
            awaitCommand(command, "sleep"); // the applier, until it execs the command, holds the root side's environment

            assertThat(environment(command)).contains("LD_PRELOAD=/nonexistent-era.so", "LD_AUDIT=/nonexistent-era.so");
            // the root side: the sandbox's wrapper, and the exec's nsenter (the command's parent)
            long nsenter = ProcStat.read(command).map(s -> parent(command)).orElseThrow();
            for (long rootSide : List.of(ref(h).pid(), nsenter)) {
                assertThat(environment(rootSide)).as("environment of pid " + rootSide)
                        .noneMatch(e -> e.startsWith("LD_PRELOAD=") || e.startsWith("LD_AUDIT="));
            }
        }
    }

    @Test
    void exitCodesAndSignalsComeBackAsAShellWouldReportThem() throws Exception {
        EngineHandle h = start(workload(sandbox()));

        assertThat(sh(h, "exit 7").exitCode()).isEqualTo(7);
        assertThat(sh(h, "kill -TERM $$").exitCode()).isEqualTo(143);
        assertThat(ExecResult.run(engine, h, TIMEOUT, "no-such-program-era")).satisfies(r -> {
            assertThat(r.exitCode()).isEqualTo(127);
            assertThat(r.stderr()).contains("cannot run no-such-program-era");
        });
        try (ExecProcess sleeper = engine.exec(h, ExecSpec.of("sleep", "30"))) {
            sleeper.pid();
            assertThatThrownBy(() -> sleeper.signal(0)).isInstanceOf(BadRequestException.class);
            sleeper.signal(15);
            assertThat(sleeper.exitCode()).succeedsWithin(TIMEOUT).isEqualTo(143);
        }
    }

    @Test
    void closeKillsACommandThatStillRuns() throws Exception {
        EngineHandle h = start(workload(sandbox()));
        ExecProcess sleeper = engine.exec(h, ExecSpec.of("sleep", "30"));
        long pid = sleeper.pid();

        sleeper.close();
        sleeper.close();

        assertThat(sleeper.exitCode()).succeedsWithin(TIMEOUT);
        awaitGone(pid);
    }

    @Test
    void largeOutputOnBothStreamsIsDeliveredWhole() {
        EngineHandle h = start(workload(sandbox()));

        ExecResult r = sh(h, "i=0; while [ $i -lt 3 ]; do head -c 300000 /dev/zero | tr '\\0' o; head -c 300000 /dev/zero "
                + "| tr '\\0' e >&2; i=$((i+1)); done");

        assertThat(r.stdout()).hasSize(900_000).matches("o+");
        assertThat(r.stderr()).hasSize(900_000).matches("e+");
    }

    @Test
    void aMissingOrRelativeWorkingDirectoryIsReported() {
        EngineHandle h = start(workload(sandbox()));

        ExecResult missing = ExecResult.run(engine, h, new ExecSpec(List.of("pwd"), Map.of(), "/nowhere", false, 24, 80), "",
                TIMEOUT);

        assertThat(missing.exitCode()).isEqualTo(126);
        assertThat(missing.stderr()).contains("cannot change to the working directory /nowhere");
        assertThatThrownBy(() -> engine.exec(h, new ExecSpec(List.of("pwd"), Map.of(), "relative", false, 24, 80)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("relative");
        assertThatThrownBy(() -> engine.exec(h, new ExecSpec(List.of("pwd"), Map.of("BAD=NAME", "x"), "", false, 24, 80)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("BAD=NAME");
    }

    @Test
    void aHandleWhoseInitIsNoLongerThatProcessIsRefused() {
        EngineHandle h = start(workload(sandbox()));
        WorkRef real = ref(h);
        WorkRef forged = new WorkRef(real.pid(), real.startTicks(), real.startedAt(), real.runDir(), real.exitFile(),
                real.cgroupDirs(), real.initPid(), real.initTicks() + 1);

        assertThatThrownBy(() -> engine.exec(forged.handle(), ExecSpec.of("true")))
                .isInstanceOf(EngineException.class).hasMessageContaining("does not run");
    }

    @Test
    void execIntoAPlainProcessIsRefused() {
        Workload w = Workloads.of(dir.resolve("plain"), TestSpec.builder("process").command("sleep", "30").build());
        EngineHandle h = start(w);

        assertThatThrownBy(() -> engine.exec(h, ExecSpec.of("true")))
                .isInstanceOf(EngineException.class).hasMessageContaining("isolation: sandbox");
        assertThat(engine.fileRoots(w)).isEmpty();
    }

    private static List<String> environment(long pid) throws IOException {
        byte[] bytes = Files.readAllBytes(Path.of("/proc/" + pid + "/environ"));
        return Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\0"));
    }

    private static long parent(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
        } catch (IOException e) {
            throw new AssertionError("process " + pid + " is gone", e);
        }
    }

    private static void awaitCommand(long pid, String name) throws IOException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.readString(Path.of("/proc/" + pid + "/comm")).strip().equals(name)) {
            assertThat(System.nanoTime()).as("process " + pid + " to become " + name).isLessThan(deadline);
            Thread.yield();
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
