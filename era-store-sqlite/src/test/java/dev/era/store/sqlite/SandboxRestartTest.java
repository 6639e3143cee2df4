package dev.era.store.sqlite;

import dev.era.core.Caller;
import dev.era.core.ExecRequest;
import dev.era.core.LocalSnapshotStore;
import dev.era.core.RuntimeManager;
import dev.era.core.Sandbox;
import dev.era.core.SandboxConfig;
import dev.era.core.SandboxManager;
import dev.era.core.SandboxRequest;
import dev.era.core.SandboxState;
import dev.era.core.Snapshot;
import dev.era.testing.FakeSandboxEngine;
import dev.era.core.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Sandboxes are deployments plus a row of their own: both come back from the SQLite file after a restart. */
class SandboxRestartTest {
    @TempDir
    Path dir;

    private record Daemon(SqliteStateStore store, RuntimeManager runtime, SandboxManager sandboxes) implements AutoCloseable {
        static Daemon start(Path data, FakeSandboxEngine engine, ManualScheduler scheduler) {
            SqliteStateStore store = SqliteStateStore.open(data.resolve("era.db"));
            RuntimeManager runtime = RuntimeManager.start(store, Map.of(FakeSandboxEngine.NAME, engine), data,
                    scheduler.clock, scheduler, Duration.ofSeconds(1));
            SandboxManager sandboxes = SandboxManager.start(runtime, store, new LocalSnapshotStore(data.resolve("snapshots")),
                    scheduler, scheduler.clock, SandboxConfig.defaults().withWarmPool(1));
            return new Daemon(store, runtime, sandboxes);
        }

        @Override
        public void close() {
            sandboxes.close();
            runtime.close();
            store.close();
        }
    }

    @Test
    void sandboxesTheirWorkspacesSnapshotsAndThePoolSurviveARestartOnTheSameStore() {
        Caller acme = Caller.tenant("acme");
        Path data = dir.resolve("data");
        try (ManualScheduler scheduler = new ManualScheduler()) {
            FakeSandboxEngine engine = new FakeSandboxEngine(scheduler.clock);
            String id;
            String suspended;
            String snapshot;
            try (Daemon d = Daemon.start(data, engine, scheduler)) {
                Sandbox s = d.sandboxes().create(acme, new SandboxRequest("dev", "", "", dev.era.api.Resources.UNLIMITED,
                        "none", Map.of("MODE", "test"), Map.of("team", "ml"), Duration.ofMinutes(30), "", List.of()));
                id = s.id();
                d.sandboxes().execSync(acme, id, ExecRequest.of("echo survived > state.txt"));
                snapshot = d.sandboxes().snapshot(acme, id, "before restart", false).id();
                suspended = d.sandboxes().create(acme, SandboxRequest.defaults()).id();
                d.sandboxes().suspend(acme, suspended);
            }
            engine = engine.restarted();
            try (Daemon d = Daemon.start(data, engine, scheduler)) {
                Sandbox back = d.sandboxes().get(acme, "dev");
                assertThat(back.id()).isEqualTo(id);
                assertThat(back.state()).isEqualTo(SandboxState.RUNNING);
                assertThat(back.labels()).containsEntry("team", "ml");
                assertThat(back.idleTimeout()).isEqualTo(Duration.ofMinutes(30));
                assertThat(d.sandboxes().execSync(acme, id, ExecRequest.of("cat state.txt; echo $MODE")).stdout())
                        .isEqualTo("survived\ntest\n");
                assertThat(d.sandboxes().get(acme, suspended).state()).isEqualTo(SandboxState.SUSPENDED);
                Snapshot snap = d.sandboxes().snapshotInfo(acme, snapshot);
                assertThat(snap.status()).isEqualTo("complete");
                assertThat(d.sandboxes().list(acme)).hasSize(2);
                long end = System.nanoTime() + 10_000_000_000L;
                while (d.sandboxes().warmPoolReady() < 1 && System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                assertThat(d.sandboxes().warmPoolReady()).isEqualTo(1);
            }
            engine.killEverything();
        }
    }
}
