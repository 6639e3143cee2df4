package dev.era.testing;

import dev.era.api.AppStatus;
import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.InvalidSpecException;
import dev.era.api.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FakeEngineTest {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private final FakeEngine engine = new FakeEngine(Clock.fixed(T0, ZoneOffset.UTC));

    private Workload workload(String... command) {
        return new Workload(DeploymentId.random(), 1, TestSpec.builder(FakeEngine.NAME).command(command).build(),
                dir.resolve("install"), dir.resolve("volumes"), dir.resolve("run"), dir.resolve("app.log"));
    }

    @Test
    void failNextFailsOnlyTheNextCallOfThatOperation() {
        Workload w = workload("run");
        engine.failNext(FakeEngine.Operation.INSTALL, "disk full");

        assertThatThrownBy(() -> engine.install(w)).isInstanceOf(EngineException.class).hasMessage("disk full");
        engine.install(w);
        engine.failNext(FakeEngine.Operation.START, "no luck");
        assertThatThrownBy(() -> engine.start(w, new ExitRecorder())).isInstanceOf(EngineException.class);
        engine.start(w, new ExitRecorder());
        engine.failNext(FakeEngine.Operation.VALIDATE, "bad");
        assertThatThrownBy(() -> engine.validate(w.spec())).isInstanceOf(InvalidSpecException.class);
    }

    @Test
    void startWithoutInstallFails() {
        assertThatThrownBy(() -> engine.start(workload("run"), new ExitRecorder()))
                .isInstanceOf(EngineException.class).hasMessageContaining("not installed");
    }

    @Test
    void exitTellsTheListenerOnTheCallingThread() {
        Workload w = workload("run");
        engine.install(w);
        ExitRecorder onExit = new ExitRecorder();
        EngineHandle handle = engine.start(w, onExit);

        engine.exit(handle, 4);

        assertThat(onExit.exits()).containsExactly(new AppStatus.Exited(4, "exited with code 4", T0));
        assertThat(engine.status(handle)).isEqualTo(new AppStatus.Exited(4, "exited with code 4", T0));
        assertThatThrownBy(() -> engine.exit(handle, 5)).isInstanceOf(IllegalStateException.class);
        assertThat(onExit.count()).isEqualTo(1);
    }

    @Test
    void exitByDeploymentEndsItsRunningWork() {
        Workload w = workload("run");
        engine.install(w);
        ExitRecorder onExit = new ExitRecorder();
        engine.start(w, onExit);

        engine.exit(w.id(), 0);

        assertThat(onExit.exits()).extracting(AppStatus.Exited::exitCode).containsExactly(0);
        assertThat(engine.running()).isZero();
    }

    @Test
    void exitNextStartEndsTheWorkAfterTheDelay() {
        Workload w = workload("run");
        engine.install(w);
        engine.exitNextStart(9, Duration.ofMillis(20));
        ExitRecorder onExit = new ExitRecorder();

        engine.start(w, onExit);

        assertThat(onExit.await(Duration.ofSeconds(2)).exitCode()).isEqualTo(9);
    }

    @Test
    void callsAreRecordedInOrderAndCounted() {
        Workload w = workload("run");
        engine.validate(w.spec());
        engine.install(w);
        EngineHandle handle = engine.start(w, new ExitRecorder());
        engine.start(w, new ExitRecorder());
        engine.stop(handle, Duration.ZERO);
        engine.delete(w);

        String id = w.id().value();
        assertThat(engine.calls()).containsExactly(
                new FakeEngine.Call(FakeEngine.Operation.VALIDATE, "app"),
                new FakeEngine.Call(FakeEngine.Operation.INSTALL, id),
                new FakeEngine.Call(FakeEngine.Operation.START, id),
                new FakeEngine.Call(FakeEngine.Operation.START, id),
                new FakeEngine.Call(FakeEngine.Operation.STOP, id),
                new FakeEngine.Call(FakeEngine.Operation.DELETE, id));
        assertThat(engine.count(FakeEngine.Operation.START)).isEqualTo(2);
    }

    @Test
    void restartedEngineSeesTheWorkButNotTheOldListeners() {
        Workload w = workload("run");
        engine.install(w);
        ExitRecorder before = new ExitRecorder();
        EngineHandle handle = engine.start(w, before);

        FakeEngine restarted = engine.restarted();
        restarted.exit(handle, 1);

        assertThat(before.count()).isZero();
        assertThat(restarted.calls()).isEmpty();
    }

    @Test
    void isNotFoundThroughServiceLoader() {
        assertThat(ServiceLoader.load(dev.era.api.RuntimePlugin.class).stream()
                .map(p -> p.type().getName())).doesNotContain(FakeEngine.class.getName());
    }
}
