package dev.era.core;

import dev.era.api.NotFoundException;
import dev.era.api.QuotaExceededException;
import dev.era.api.Resources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.era.core.SandboxFixture.ACME;
import static dev.era.core.SandboxFixture.GLOBEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxTenancyTest {
    @TempDir
    Path dir;
    SandboxFixture f;

    @BeforeEach
    void start() {
        f = new SandboxFixture(dir, SandboxFixture.config().withQuotas(2, 1L << 30));
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void anotherTenantsSandboxExecutionAndSnapshotAreNotFoundThroughEveryCall() {
        Sandbox mine = f.sandboxes.create(ACME, SandboxFixture.request("mine", Map.of(), Duration.ZERO));
        String sb = mine.id();
        String ex = f.sh(ACME, sb, "echo secret > secret.txt").id();
        String snap = f.sandboxes.snapshot(ACME, sb, "s", false).id();
        ExecRequest ls = ExecRequest.of("ls");

        Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("get", () -> f.sandboxes.get(GLOBEX, sb));
        calls.put("get by name", () -> f.sandboxes.get(GLOBEX, "mine"));
        calls.put("delete", () -> f.sandboxes.delete(GLOBEX, sb));
        calls.put("suspend", () -> f.sandboxes.suspend(GLOBEX, sb));
        calls.put("resume", () -> f.sandboxes.resume(GLOBEX, sb));
        calls.put("keepAlive", () -> f.sandboxes.keepAlive(GLOBEX, sb));
        calls.put("execSync", () -> f.sandboxes.execSync(GLOBEX, sb, ls));
        calls.put("execAsync", () -> f.sandboxes.execAsync(GLOBEX, sb, ls));
        calls.put("execution", () -> f.sandboxes.execution(GLOBEX, sb, ex));
        calls.put("executions", () -> f.sandboxes.executions(GLOBEX, sb));
        calls.put("await", () -> f.sandboxes.await(GLOBEX, sb, ex, Duration.ZERO));
        calls.put("kill", () -> f.sandboxes.kill(GLOBEX, sb, ex));
        calls.put("sendStdin", () -> f.sandboxes.sendStdin(GLOBEX, sb, ex, new byte[1], true));
        calls.put("followOutput", () -> f.sandboxes.followOutput(GLOBEX, sb, ex, 0, 0, c -> { }));
        calls.put("interactive", () -> f.sandboxes.interactive(GLOBEX, sb, ls));
        calls.put("listFiles", () -> f.sandboxes.listFiles(GLOBEX, sb, "/workspace"));
        calls.put("readFile", () -> f.sandboxes.readFile(GLOBEX, sb, "secret.txt"));
        calls.put("writeFile", () -> f.sandboxes.writeFile(GLOBEX, sb, "x", new ByteArrayInputStream(new byte[1])));
        calls.put("mkdir", () -> f.sandboxes.mkdir(GLOBEX, sb, "d"));
        calls.put("deleteFile", () -> f.sandboxes.deleteFile(GLOBEX, sb, "secret.txt", false));
        calls.put("snapshot", () -> f.sandboxes.snapshot(GLOBEX, sb, "theirs", false));
        calls.put("snapshotInfo", () -> f.sandboxes.snapshotInfo(GLOBEX, snap));
        calls.put("deleteSnapshot", () -> f.sandboxes.deleteSnapshot(GLOBEX, snap));
        calls.put("create from snapshot", () -> f.sandboxes.create(GLOBEX, SandboxFixture.fromSnapshot(snap)));

        calls.forEach((name, call) -> assertThatThrownBy(call::execute).as(name).isInstanceOf(NotFoundException.class));
        assertThat(f.sandboxes.list(GLOBEX)).isEmpty();
        assertThat(f.sandboxes.snapshots(GLOBEX)).isEmpty();
        // and nothing was touched
        assertThat(f.sandboxes.get(ACME, sb).state()).isEqualTo(SandboxState.RUNNING);
        assertThat(f.sh(ACME, sb, "cat secret.txt").stdout()).isEqualTo("secret\n");
        assertThat(f.sandboxes.snapshotInfo(ACME, snap).status()).isEqualTo("complete");
        assertThat(f.sandboxes.executions(ACME, sb)).hasSize(2);
    }

    @Test
    void theAdminSeesEveryTenantsSandboxes() {
        Sandbox a = f.create(ACME);
        Sandbox g = f.create(GLOBEX);

        assertThat(f.sandboxes.list(Caller.ADMIN)).extracting(Sandbox::id).containsExactlyInAnyOrder(a.id(), g.id());
        assertThat(f.sandboxes.get(Caller.ADMIN, g.id()).tenant()).isEqualTo("globex");
    }

    @Test
    void theSameNameInTwoTenantsIsTwoSandboxes() {
        Sandbox a = f.sandboxes.create(ACME, SandboxFixture.request("dev", Map.of(), Duration.ZERO));
        Sandbox g = f.sandboxes.create(GLOBEX, SandboxFixture.request("dev", Map.of(), Duration.ZERO));

        assertThat(f.sandboxes.get(ACME, "dev").id()).isEqualTo(a.id());
        assertThat(f.sandboxes.get(GLOBEX, "dev").id()).isEqualTo(g.id());
    }

    @Test
    void aTenantAtItsSandboxQuotaIsRefusedWithTheNumbersAndOtherTenantsAreNot() {
        f.create(ACME);
        f.sandboxes.suspend(ACME, f.create(ACME).id()); // suspended sandboxes count

        assertThatThrownBy(() -> f.create(ACME))
                .isInstanceOf(QuotaExceededException.class)
                .hasMessageContaining("'acme' has 2 sandboxes")
                .hasMessageContaining("maxSandboxesPerTenant = 2")
                .satisfies(e -> assertThat(((QuotaExceededException) e).details())
                        .containsEntry("limit", 2).containsEntry("current", 2));
        assertThat(f.create(GLOBEX).state()).isEqualTo(SandboxState.RUNNING);
    }

    @Test
    void deletingASandboxGivesItsQuotaBack() {
        f.create(ACME);
        Sandbox second = f.create(ACME);
        f.sandboxes.delete(ACME, second.id());

        assertThat(f.create(ACME).state()).isEqualTo(SandboxState.RUNNING);
    }

    @Test
    void aTenantWhoseMemoryLimitsWouldExceedTheQuotaIsRefusedWithTheNumbers() {
        SandboxRequest big = new SandboxRequest("", "", "", new Resources(0, 768L << 20, 0), "none", Map.of(), Map.of(),
                Duration.ZERO, "", List.of());
        f.sandboxes.create(ACME, big);

        assertThatThrownBy(() -> f.sandboxes.create(ACME, big))
                .isInstanceOf(QuotaExceededException.class)
                .hasMessageContaining("768 MiB of memory")
                .hasMessageContaining("quota of 1024 MiB")
                .satisfies(e -> assertThat(((QuotaExceededException) e).details())
                        .containsEntry("quota", "maxMemoryPerTenant").containsEntry("requested", 768L << 20));
        // the default 512 MiB would not fit either; 256 MiB does
        SandboxRequest small = new SandboxRequest("", "", "", new Resources(0, 256L << 20, 0), "none", Map.of(),
                Map.of(), Duration.ZERO, "", List.of());
        assertThat(f.sandboxes.create(ACME, small).resources().memoryBytes()).isEqualTo(256L << 20);
    }
}
