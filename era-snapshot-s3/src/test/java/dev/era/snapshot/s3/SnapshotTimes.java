package dev.era.snapshot.s3;

import dev.era.core.Caller;
import dev.era.core.ExecRequest;
import dev.era.core.LocalSnapshotStore;
import dev.era.core.RuntimeManager;
import dev.era.core.Sandbox;
import dev.era.core.SandboxConfig;
import dev.era.core.SandboxManager;
import dev.era.core.SandboxRequest;
import dev.era.core.Snapshot;
import dev.era.core.spi.SnapshotStore;
import dev.era.store.sqlite.SqliteStateStore;
import dev.era.testing.FakeSandboxEngine;
import dev.era.core.ManualScheduler;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Measures snapshot and restore of a 100 MB workspace (local directory and S3Proxy, plain tar and
 * gzip). Not a test: run it by hand; the numbers are in docs/sandboxes.md.
 * Usage: SnapshotTimes <scratch dir> [random|text|files]
 */
public final class SnapshotTimes {
    private SnapshotTimes() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        String kind = args.length > 1 ? args[1] : "random";
        String fill = switch (kind) {
            case "random" -> "head -c 104857600 /dev/urandom > big.bin";
            case "text" -> "seq 1 13500000 > numbers.txt && ls -l numbers.txt >&2";
            default -> "mkdir -p many && for i in $(seq 1 2000); do head -c 51200 /dev/urandom > many/f$i; done";
        };
        try (S3ProxyServer s3 = new S3ProxyServer(new FilesystemNio2BlobStore(Files.createDirectories(dir.resolve("s3")).toString()))) {
            S3SnapshotStore remote = s3.store("bench");
            remote.createBucketIfMissing();
            for (boolean gzip : new boolean[] {false, true}) {
                run(dir.resolve("local-" + gzip), new LocalSnapshotStore(dir.resolve("local-" + gzip + "/snapshots")), gzip,
                        fill, "local " + (gzip ? "gzip" : "tar  "));
                run(dir.resolve("s3-" + gzip), remote, gzip, fill, "s3    " + (gzip ? "gzip" : "tar  "));
            }
        }
    }

    private static void run(Path data, SnapshotStore archives, boolean gzip, String fill, String label) {
        Caller acme = Caller.tenant("acme");
        try (ManualScheduler scheduler = new ManualScheduler();
             SqliteStateStore store = SqliteStateStore.open(data.resolve("era.db"))) {
            FakeSandboxEngine engine = new FakeSandboxEngine(scheduler.clock);
            try (RuntimeManager runtime = RuntimeManager.start(store, Map.of(FakeSandboxEngine.NAME, engine), data,
                    scheduler.clock, scheduler, Duration.ofSeconds(1));
                 SandboxManager sandboxes = SandboxManager.start(runtime, store, archives, scheduler, scheduler.clock,
                         SandboxConfig.defaults().withWarmPool(0).withCompressedSnapshots(gzip))) {
                Sandbox s = sandboxes.create(acme, SandboxRequest.defaults());
                sandboxes.execSync(acme, s.id(), ExecRequest.of(fill));
                for (int round = 0; round < 3; round++) {
                    long t0 = System.nanoTime();
                    Snapshot snap = sandboxes.snapshot(acme, s.id(), "", false);
                    long t1 = System.nanoTime();
                    Sandbox copy = sandboxes.create(acme, new SandboxRequest("", "", "", dev.era.api.Resources.UNLIMITED,
                            "none", Map.of(), Map.of(), Duration.ZERO, snap.id(), List.of()));
                    long t2 = System.nanoTime();
                    System.out.printf("%s round %d: snapshot %4d ms (%d MB archive, %s), create from it %4d ms%n", label,
                            round, (t1 - t0) / 1_000_000, snap.sizeBytes() >> 20, snap.status(), (t2 - t1) / 1_000_000);
                    sandboxes.delete(acme, copy.id());
                    sandboxes.deleteSnapshot(acme, snap.id());
                }
                engine.killEverything();
            }
        }
    }
}
