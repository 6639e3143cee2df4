package dev.era.engine.process;

import dev.era.api.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkRefTest {
    @TempDir
    Path dir;

    @Test
    void handleRoundTrips() {
        WorkRef ref = new WorkRef(42, 1234, Instant.ofEpochMilli(1_700_000_000_123L), dir, dir.resolve("exit-x"),
                List.of(Path.of("/sys/fs/cgroup/memory/era/a"), Path.of("/sys/fs/cgroup/pids/era/a")));

        assertThat(WorkRef.decode(ref.handle())).isEqualTo(ref);
    }

    @Test
    void aSandboxsHandleCarriesItsInitAndAnAppsDoesNot() {
        WorkRef sandbox = new WorkRef(42, 1234, Instant.ofEpochMilli(5), dir, dir.resolve("exit-x"), List.of(), 45, 1240);
        WorkRef app = new WorkRef(42, 1234, Instant.ofEpochMilli(5), dir, dir.resolve("exit-x"), List.of());

        assertThat(WorkRef.decode(sandbox.handle())).isEqualTo(sandbox);
        assertThat(WorkRef.decode(sandbox.handle()).sandboxed()).isTrue();
        assertThat(new String(app.encode())).doesNotContain("init");
        assertThat(WorkRef.decode(app.handle()).sandboxed()).isFalse();
    }

    @Test
    void stateFileRoundTripsAndAMissingOneIsEmpty() {
        WorkRef ref = new WorkRef(7, 99, Instant.ofEpochMilli(5), dir, dir.resolve("exit-y"), List.of());

        ref.save(dir.resolve("state"));

        assertThat(WorkRef.load(dir.resolve("state"))).contains(ref);
        assertThat(WorkRef.load(dir.resolve("missing"))).isEmpty();
    }

    @Test
    void missingFieldsAreReported() {
        assertThatThrownBy(() -> WorkRef.decode("era-process-handle 1\npid=3\n".getBytes()))
                .isInstanceOf(EngineException.class).hasMessageContaining("missing");
        assertThatThrownBy(() -> WorkRef.decode("era-process-handle 1\npid=x\n".getBytes()))
                .isInstanceOf(EngineException.class).hasMessageContaining("does not parse");
    }

    @Test
    void procStatCountsFieldsAfterTheCommandName() {
        String stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10";

        assertThat(ProcStat.parse(4242, stat)).isEqualTo(new ProcStat(4242, 'S', 4242, 4242, 987654));
    }

    @Test
    void thisJvmIsAliveOnlyWithItsOwnStartTime() {
        long pid = ProcessHandle.current().pid();
        long ticks = ProcStat.read(pid).orElseThrow().startTicks();

        assertThat(ProcStat.alive(pid, ticks)).isTrue();
        assertThat(ProcStat.alive(pid, ticks + 1)).isFalse();
        assertThat(ProcStat.alive(pid, 0)).isFalse();
    }
}
