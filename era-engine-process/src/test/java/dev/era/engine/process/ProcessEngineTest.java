package dev.era.engine.process;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.InvalidSpecException;
import dev.era.api.Resources;
import dev.era.api.RuntimePlugin;
import dev.era.api.Workload;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProcessEngineTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final ProcessEngine engine = new ProcessEngine();
    private final List<EngineHandle> started = new ArrayList<>();

    @AfterEach
    void stopWork() {
        started.forEach(h -> engine.stop(h, Duration.ZERO));
    }

    private static TestSpec spec(String... command) {
        return TestSpec.builder("process").command(command);
    }

    private EngineHandle start(Workload w, ExitRecorder onExit) {
        engine.validate(w.spec());
        engine.install(w);
        EngineHandle handle = engine.start(w, onExit);
        started.add(handle);
        return handle;
    }

    @Test
    void isFoundThroughServiceLoader() {
        assertThat(ServiceLoader.load(RuntimePlugin.class).stream().map(ServiceLoader.Provider::type))
                .contains(ProcessEngine.class);
    }

    @Test
    void stdoutAndStderrAreAppendedToTheLogFile() {
        Workload w = Workloads.of(dir, spec("/bin/sh", "-c", "echo to-out; echo to-err >&2").build());
        ExitRecorder first = new ExitRecorder();
        start(w, first);
        first.await(TIMEOUT);
        ExitRecorder second = new ExitRecorder();
        engine.start(w, second);
        second.await(TIMEOUT);

        assertThat(Workloads.log(w)).isEqualTo("to-out\nto-err\nto-out\nto-err\n");
    }

    @Test
    void theAppGetsItsEnvironmentVolumesAndWorkingDirectory() throws IOException {
        Path work = Files.createDirectories(dir.resolve("work"));
        AppSpec spec = spec("/bin/sh", "-c", "echo \"$ERA_DEPLOYMENT_ID $ERA_VERSION $ERA_VOLUME_MY_DATA $FOO ${PATH:+path}\"; pwd")
                .env("FOO", "bar").volume("my-data", "/data").workingDir(work.toString()).build();
        Workload w = Workloads.of(dir, spec);
        ExitRecorder onExit = new ExitRecorder();

        start(w, onExit);

        assertThat(onExit.await(TIMEOUT).exitCode()).isZero();
        Path volume = dir.resolve("volumes").resolve("my-data");
        assertThat(volume).isDirectory();
        assertThat(Workloads.log(w)).isEqualTo(w.id() + " 1 " + volume + " bar path\n" + work + "\n");
    }

    @Test
    void theAppStartsInTheInstallDirectoryByDefault() {
        Workload w = Workloads.of(dir, spec("pwd").build());
        ExitRecorder onExit = new ExitRecorder();

        start(w, onExit);

        onExit.await(TIMEOUT);
        assertThat(Workloads.log(w)).isEqualTo(w.installDir() + "\n");
    }

    @Test
    void relativeWorkloadPathsAreTakenFromTheDaemonsDirectory() throws IOException {
        Path relative = Path.of("target", "relative-" + System.nanoTime());
        Workload w = Workloads.of(relative, spec("/bin/sh", "-c", "echo hello; exit 4").build());
        ExitRecorder onExit = new ExitRecorder();
        try {
            start(w, onExit);

            // the exit record written by the wrapper (in the install directory) is found by the daemon
            assertThat(onExit.await(TIMEOUT)).extracting(AppStatus.Exited::exitCode, AppStatus.Exited::reason)
                    .containsExactly(4, "exited with code 4");
            assertThat(Workloads.log(w)).isEqualTo("hello\n");
        } finally {
            Artifacts.deleteTree(relative);
        }
    }

    @Test
    void anAppIgnoringSigtermIsKilledAfterTheGrace() {
        Workload w = Workloads.of(dir, spec("/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done").build());
        ExitRecorder onExit = new ExitRecorder();
        EngineHandle handle = start(w, onExit);
        awaitLog(w, "ready");

        long begin = System.nanoTime();
        engine.stop(handle, Duration.ofMillis(400));
        Duration took = Duration.ofNanos(System.nanoTime() - begin);

        assertThat(took).isBetween(Duration.ofMillis(400), Duration.ofSeconds(3));
        assertThat(engine.status(handle)).isEqualTo(new AppStatus.Exited(137, "killed by SIGKILL",
                ((AppStatus.Exited) engine.status(handle)).at()));
        assertThat(ProcStat.sessionMembers(WorkRef.decode(handle).pid())).isEmpty();
        assertThat(onExit.count()).isZero();
    }

    @Test
    void stopSendsSigtermFirst() {
        Workload w = Workloads.of(dir, spec("/bin/sh", "-c", "trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.05; done").build());
        EngineHandle handle = start(w, new ExitRecorder());
        awaitLog(w, "ready");

        engine.stop(handle, Duration.ofSeconds(3));

        assertThat(Workloads.log(w)).contains("got-term");
        assertThat(engine.status(handle)).isInstanceOfSatisfying(AppStatus.Exited.class, e -> assertThat(e.exitCode()).isEqualTo(3));
    }

    @Test
    void aReusedPidIsNeverTakenForTheWork() throws Exception {
        Process stranger = new ProcessBuilder("sleep", "30").start();
        try {
            long ticks = ProcStat.read(stranger.pid()).orElseThrow().startTicks();
            Workload w = Workloads.of(dir, spec("sleep", "30").build());
            // the handle names the stranger's pid, but a start time that is not the stranger's
            WorkRef forged = new WorkRef(stranger.pid(), ticks + 1, java.time.Instant.now(), w.runDir(),
                    w.runDir().resolve("exit-none"), List.of());

            assertThat(engine.recover(forged.handle(), w, new ExitRecorder())).isEmpty();
            assertThat(engine.status(forged.handle())).isInstanceOf(AppStatus.Gone.class);
            engine.stop(forged.handle(), Duration.ZERO);
            assertThat(stranger.isAlive()).as("the stranger survives a stop of the forged handle").isTrue();
        } finally {
            stranger.destroyForcibly();
        }
    }

    @Test
    void ourOwnPidWithAnotherStartTimeIsNotRecovered() {
        Workload w = Workloads.of(dir, spec("sleep", "30").build());
        WorkRef real = WorkRef.decode(start(w, new ExitRecorder()));
        WorkRef forged = new WorkRef(real.pid(), real.startTicks() - 1, real.startedAt(), real.runDir(), real.exitFile(),
                real.cgroupDirs());

        assertThat(engine.recover(forged.handle(), w, new ExitRecorder())).isEmpty();
        assertThat(engine.status(forged.handle())).isNotInstanceOf(AppStatus.Running.class);
        assertThat(engine.recover(real.handle(), w, new ExitRecorder())).isPresent();
    }

    @Test
    void aHandleOfAnotherEngineOrGarbageIsRefused() {
        assertThatThrownBy(() -> engine.status(new EngineHandle("oci", new byte[0])))
                .isInstanceOf(EngineException.class).hasMessageContaining("engine 'oci'");
        assertThatThrownBy(() -> engine.status(new EngineHandle("process", "junk".getBytes())))
                .isInstanceOf(EngineException.class).hasMessageContaining("corrupt");
    }

    @Test
    void limitsWithoutCgroupsFailInsteadOfRunningUnlimited() {
        ProcessEngine noCgroups = new ProcessEngine(System.getenv(), new Cgroups.Unavailable("no cgroup mounts"), Clock.systemUTC());
        Workload w = Workloads.of(dir, spec("sleep", "30").resources(new Resources(0, 64L << 20, 0)).build());

        assertThatThrownBy(() -> noCgroups.start(w, new ExitRecorder()))
                .isInstanceOf(EngineException.class).hasMessageContaining("cannot be enforced").hasMessageContaining("no cgroup mounts");
    }

    @Test
    void startFailsClearlyWhenTheProgramIsNotInTheArtifact() {
        Workload w = Workloads.of(dir, spec("./bin/app").artifact(dir.resolve("nothing.tar").toString()).build());

        engine.validate(w.spec());
        assertThatThrownBy(() -> engine.start(w, new ExitRecorder()))
                .isInstanceOf(EngineException.class).hasMessageContaining("./bin/app").hasMessageContaining(w.id().value());
    }

    @Test
    void validateNamesTheFieldAndWhatToDo() throws IOException {
        Path notExecutable = Files.writeString(dir.resolve("data.txt"), "x");

        assertInvalid(spec().build(), "command", "is empty");
        assertInvalid(spec("no-such-program-era").build(), "command", "not found on PATH");
        assertInvalid(spec("/no/such/program").build(), "command", "does not exist");
        assertInvalid(spec(notExecutable.toString()).build(), "command", "chmod +x");
        assertInvalid(spec("./app").build(), "command", "no artifact");
        assertInvalid(spec("sleep", "1").workingDir("relative/dir").build(), "workingDir", "absolute");
        assertInvalid(spec("sleep", "1").volume("../escape", "/x").build(), "volumes", "../escape");
        engine.validate(spec("./app").artifact("https://example.com/app.tgz").build());
        engine.validate(spec("sh").env("PATH", "/bin").build());
    }

    private void assertInvalid(AppSpec spec, String field, String message) {
        assertThatThrownBy(() -> engine.validate(spec)).isInstanceOfSatisfying(InvalidSpecException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void deleteRemovesInstallAndRunDirectoriesButKeepsVolumes() {
        Workload w = Workloads.of(dir, spec("sleep", "30").volume("data", "/data").build());
        EngineHandle handle = start(w, new ExitRecorder());

        engine.delete(w);

        assertThat(w.installDir()).doesNotExist();
        assertThat(w.runDir()).doesNotExist();
        assertThat(w.volumesDir().resolve("data")).isDirectory();
        assertThat(engine.status(handle)).isNotInstanceOf(AppStatus.Running.class);
        engine.delete(w);
    }

    private static void awaitLog(Workload w, String text) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Workloads.log(w).contains(text)) {
            assertThat(System.nanoTime()).as("waiting for '" + text + "' in the log").isLessThan(deadline);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
