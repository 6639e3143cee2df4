package dev.era.core;

import dev.era.api.ConflictException;
import dev.era.api.NotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static dev.era.core.SandboxFixture.ACME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxSnapshotTest {
    @TempDir
    Path dir;
    SandboxFixture f;

    @BeforeEach
    void start() {
        f = new SandboxFixture(dir, SandboxFixture.config());
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void aSnapshotIsATarOfTheWorkspaceInTheDataDirectory() throws Exception {
        Sandbox s = f.create(ACME);
        f.sh(ACME, s.id(), "mkdir -p app && echo hi > app/a.txt");

        Snapshot snap = f.sandboxes.snapshot(ACME, s.id(), "first", false);

        assertThat(snap.id()).matches("snap-[0-9a-f]{12}");
        assertThat(snap.status()).isEqualTo("complete");
        assertThat(snap.tenant()).isEqualTo("acme");
        assertThat(snap.sandboxId()).isEqualTo(s.id());
        assertThat(snap.name()).isEqualTo("first");
        Path archive = dir.resolve("snapshots/acme/" + snap.id() + ".tar");
        assertThat(snap.location()).isEqualTo("file:" + archive);
        assertThat(snap.sizeBytes()).isEqualTo(Files.size(archive));
        assertThat(f.sandboxes.snapshots(ACME)).containsExactly(snap);
        assertThat(f.sandboxes.snapshotInfo(ACME, snap.id())).isEqualTo(snap);
        assertThat(dir.resolve("sandboxes/staging")).isEmptyDirectory();
    }

    @Test
    void aNewSandboxFromASnapshotStartsWithItsWorkspaceModesIncluded() {
        Sandbox s = f.create(ACME);
        f.sh(ACME, s.id(), "mkdir -p bin && printf '#!/bin/sh\\necho restored\\n' > bin/run && chmod 750 bin/run"
                + " && ln -s bin/run go");
        Snapshot snap = f.sandboxes.snapshot(ACME, s.id(), "", false);
        f.sh(ACME, s.id(), "rm -rf bin go");

        Sandbox copy = f.sandboxes.create(ACME, SandboxFixture.fromSnapshot(snap.id()));

        assertThat(copy.fromSnapshot()).isEqualTo(snap.id());
        assertThat(f.sh(ACME, copy.id(), "./go; stat -c %a bin/run").stdout()).isEqualTo("restored\n750\n");
        assertThat(f.sh(ACME, s.id(), "ls").stdout()).isEmpty();
    }

    @Test
    void aSnapshotOutlivesItsSandboxAndIsDeletedWithItsArchive() {
        Sandbox s = f.create(ACME);
        f.sh(ACME, s.id(), "echo x > x");
        Snapshot snap = f.sandboxes.snapshot(ACME, s.id(), "", false);
        f.sandboxes.delete(ACME, s.id());

        Sandbox copy = f.sandboxes.create(ACME, SandboxFixture.fromSnapshot(snap.id()));
        assertThat(f.sh(ACME, copy.id(), "cat x").stdout()).isEqualTo("x\n");

        f.sandboxes.deleteSnapshot(ACME, snap.id());
        assertThat(f.sandboxes.snapshots(ACME)).isEmpty();
        assertThat(dir.resolve("snapshots/acme/" + snap.id() + ".tar")).doesNotExist();
        assertThatThrownBy(() -> f.sandboxes.snapshotInfo(ACME, snap.id())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void anAsyncSnapshotReturnsInProgressAndCompletesInTheBackground() {
        Sandbox s = f.create(ACME);
        f.sh(ACME, s.id(), "head -c 3000000 /dev/urandom > blob");

        Snapshot started = f.sandboxes.snapshot(ACME, s.id(), "async", true);

        assertThat(started.status()).isIn("in_progress", "complete");
        Snapshot done = SandboxFixture.until(() -> f.sandboxes.snapshotInfo(ACME, started.id()),
                x -> x.status().equals("complete"));
        assertThat(done.sizeBytes()).isGreaterThan(3_000_000);
    }

    @Test
    void aSnapshotOfASuspendedSandboxLeavesItSuspended() {
        Sandbox s = f.create(ACME);
        f.sh(ACME, s.id(), "echo x > x");
        f.sandboxes.suspend(ACME, s.id());

        assertThat(f.sandboxes.snapshot(ACME, s.id(), "", false).status()).isEqualTo("complete");
        assertThat(f.sandboxes.get(ACME, s.id()).state()).isEqualTo(SandboxState.SUSPENDED);
    }

    @Test
    void gzipSnapshotsRestoreToo() {
        f.close();
        f = new SandboxFixture(dir.resolve("gz"), SandboxFixture.config().withCompressedSnapshots(true));
        Sandbox s = f.create(ACME);
        f.sh(ACME, s.id(), "seq 1 100000 > numbers");

        Snapshot snap = f.sandboxes.snapshot(ACME, s.id(), "", false);
        Sandbox copy = f.sandboxes.create(ACME, SandboxFixture.fromSnapshot(snap.id()));

        assertThat(snap.sizeBytes()).isLessThan(300_000); // 589 kB as plain text
        assertThat(f.sh(ACME, copy.id(), "tail -n 1 numbers").stdout()).isEqualTo("100000\n");
    }

    @Test
    void aSnapshotCutShortByARestartIsMarkedFailedAndCannotBeRestored() {
        Sandbox s = f.create(ACME);
        f.store.saveSnapshot(new Snapshot("snap-00000000beef", "acme", s.id(), "", "in_progress", 0, "", "",
                f.scheduler.clock.instant()));

        f.restart();

        Snapshot after = f.sandboxes.snapshotInfo(ACME, "snap-00000000beef");
        assertThat(after.status()).isEqualTo("failed");
        assertThat(after.message()).contains("daemon stopped");
        assertThatThrownBy(() -> f.sandboxes.create(ACME, SandboxFixture.fromSnapshot(after.id())))
                .isInstanceOf(ConflictException.class).hasMessageContaining("is failed");
    }

    @Test
    void aSnapshotArchiveThatLeavesTheWorkspaceFailsTheCreateAndLeavesNothing() throws Exception {
        Sandbox s = f.create(ACME);
        Snapshot snap = f.sandboxes.snapshot(ACME, s.id(), "", false);
        // replace the archive with one that climbs out (a tampered snapshot store)
        Path archive = dir.resolve("snapshots/acme/" + snap.id() + ".tar");
        byte[] evil = Files.readAllBytes(archive);
        byte[] name = "../../../../escaped".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] header = new byte[512];
        System.arraycopy(name, 0, header, 0, name.length);
        System.arraycopy("0000644\0".getBytes(), 0, header, 100, 8);
        System.arraycopy("00000000000\0".getBytes(), 0, header, 124, 12);
        header[156] = '0';
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        int sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        System.arraycopy(String.format("%06o\0 ", sum).getBytes(), 0, header, 148, 8);
        byte[] tampered = new byte[evil.length + 512];
        System.arraycopy(header, 0, tampered, 0, 512);
        System.arraycopy(evil, 0, tampered, 512, evil.length);
        Files.write(archive, tampered);

        assertThatThrownBy(() -> f.sandboxes.create(ACME, SandboxFixture.fromSnapshot(snap.id())))
                .isInstanceOf(dev.era.api.StoreException.class).hasMessageContaining("would leave the workspace");
        assertThat(f.sandboxes.list(ACME)).extracting(Sandbox::id).containsExactly(s.id());
        try (var walk = Files.walk(dir)) {
            assertThat(walk.filter(p -> p.getFileName().toString().equals("escaped")).toList()).isEmpty();
        }
    }

    @Test
    void aSandboxCreatedFromASnapshotSurvivesARestart() {
        Sandbox s = f.create(ACME);
        f.sh(ACME, s.id(), "echo from-snapshot > f");
        Snapshot snap = f.sandboxes.snapshot(ACME, s.id(), "", false);
        Sandbox copy = f.sandboxes.create(ACME, SandboxFixture.fromSnapshot(snap.id()));

        f.restart();

        assertThat(f.sandboxes.get(ACME, copy.id()).fromSnapshot()).isEqualTo(snap.id());
        assertThat(f.sh(ACME, copy.id(), "cat f").stdout()).isEqualTo("from-snapshot\n");
    }
}
