package dev.era.snapshot.s3;

import dev.era.core.Caller;
import dev.era.core.ExecRequest;
import dev.era.core.RuntimeManager;
import dev.era.core.Sandbox;
import dev.era.core.SandboxConfig;
import dev.era.core.SandboxManager;
import dev.era.core.SandboxRequest;
import dev.era.core.Snapshot;
import dev.era.store.sqlite.SqliteStateStore;
import dev.era.testing.FakeSandboxEngine;
import dev.era.core.ManualScheduler;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A sandbox's workspace through a real S3 server and back into a new sandbox, over the real SQLite store. */
class S3SandboxSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void aWorkspaceSnapshottedToS3StartsANewSandbox() throws Exception {
        Path blobs = Files.createDirectories(dir.resolve("s3"));
        Caller acme = Caller.tenant("acme");
        try (S3ProxyServer s3 = new S3ProxyServer(new FilesystemNio2BlobStore(blobs.toString()));
             ManualScheduler scheduler = new ManualScheduler();
             SqliteStateStore store = SqliteStateStore.open(dir.resolve("data/era.db"))) {
            S3SnapshotStore archives = s3.store("era-snapshots");
            archives.createBucketIfMissing();
            FakeSandboxEngine engine = new FakeSandboxEngine(scheduler.clock);
            try (RuntimeManager runtime = RuntimeManager.start(store, Map.of(FakeSandboxEngine.NAME, engine),
                    dir.resolve("data"), scheduler.clock, scheduler, Duration.ofSeconds(1));
                 SandboxManager sandboxes = SandboxManager.start(runtime, store, archives, scheduler, scheduler.clock,
                         SandboxConfig.defaults().withWarmPool(0).withDefaultIdleTimeout(Duration.ZERO))) {
                Sandbox s = sandboxes.create(acme, SandboxRequest.defaults());
                sandboxes.execSync(acme, s.id(), ExecRequest.of("mkdir -p src && echo 'print(42)' > src/main.py"
                        + " && chmod 700 src/main.py"));

                Snapshot snap = sandboxes.snapshot(acme, s.id(), "to s3", false);

                assertThat(snap.status()).isEqualTo("complete");
                assertThat(snap.location()).isEqualTo("s3://era-snapshots/era/acme/" + snap.id() + ".tar");
                Sandbox copy = sandboxes.create(acme, new SandboxRequest("", "", "", dev.era.api.Resources.UNLIMITED,
                        "none", Map.of(), Map.of(), Duration.ZERO, snap.id(), List.of()));
                assertThat(sandboxes.execSync(acme, copy.id(), ExecRequest.of("cat src/main.py; stat -c %a src/main.py"))
                        .stdout()).isEqualTo("print(42)\n700\n");

                sandboxes.deleteSnapshot(acme, snap.id());
                try (var walk = Files.walk(blobs)) {
                    assertThat(walk.filter(p -> p.getFileName().toString().equals(snap.id() + ".tar")).toList()).isEmpty();
                }
                engine.killEverything();
            }
        }
    }
}
