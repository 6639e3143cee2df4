package dev.era.core;

import dev.era.api.Resources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.era.core.SandboxFixture.ACME;
import static dev.era.core.SandboxFixture.GLOBEX;
import static org.assertj.core.api.Assertions.assertThat;

class WarmPoolTest {
    @TempDir
    Path dir;
    SandboxFixture f;

    private void startWithPool(int size) {
        f = new SandboxFixture(dir, SandboxFixture.config().withWarmPool(size).withQuotas(1, 0));
        SandboxFixture.until(() -> f.sandboxes.warmPoolReady(), n -> n == size);
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void theWarmPoolFillsUpWithRunningSandboxesNoTenantSees() {
        startWithPool(2);

        assertThat(f.engine.running()).isEqualTo(2);
        assertThat(f.sandboxes.list(Caller.ADMIN)).isEmpty();
        assertThat(f.store.sandboxes()).hasSize(2).allMatch(SandboxRecord::pooled);
    }

    @Test
    void aDefaultCreateClaimsAPoolSandboxWithTheCallersSettingsAndThePoolRefills() {
        startWithPool(2);
        List<String> pooled = f.store.sandboxes().stream().map(SandboxRecord::id).toList();

        Sandbox s = f.sandboxes.create(ACME, SandboxFixture.request("claimed", Map.of("KEY", "v"), Duration.ofMinutes(3)));

        assertThat(pooled).contains(s.id());
        assertThat(s.tenant()).isEqualTo("acme");
        assertThat(s.name()).isEqualTo("claimed");
        assertThat(s.state()).isEqualTo(SandboxState.RUNNING);
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofMinutes(3));
        assertThat(f.sh(ACME, s.id(), "echo $KEY").stdout()).isEqualTo("v\n");
        assertThat(f.runtime.get(ACME, "d-" + s.id().substring(3)).tenant()).isEqualTo("acme");
        assertThat(f.store.sandboxes().stream().filter(r -> r.id().equals(s.id())).findFirst().orElseThrow().pooled())
                .isFalse();
        SandboxFixture.until(() -> f.sandboxes.warmPoolReady(), n -> n == 2);
        assertThat(f.engine.running()).isEqualTo(3);
        assertThat(f.sandboxes.list(ACME)).extracting(Sandbox::id).containsExactly(s.id());
    }

    @Test
    void aClaimedSandboxStillObeysQuotas() {
        startWithPool(2);
        f.create(ACME);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.create(ACME))
                .isInstanceOf(dev.era.api.QuotaExceededException.class);
        assertThat(f.create(GLOBEX).state()).isEqualTo(SandboxState.RUNNING);
    }

    @Test
    void aRequestThatIsNotDefaultShapedIsCreatedColdAndLeavesThePoolAlone() {
        startWithPool(1);
        List<String> pooled = f.store.sandboxes().stream().map(SandboxRecord::id).toList();

        Sandbox s = f.sandboxes.create(ACME, new SandboxRequest("", "", "", new Resources(2, 0, 0), "none", Map.of(),
                Map.of(), Duration.ZERO, "", List.of()));

        assertThat(pooled).doesNotContain(s.id());
        assertThat(s.resources().cpu()).isEqualTo(2);
        assertThat(f.sandboxes.warmPoolReady()).isEqualTo(1);
    }

    @Test
    void poolSandboxesSurviveARestartAndAreClaimedAfterIt() {
        startWithPool(1);
        String pooled = f.store.sandboxes().getFirst().id();

        f.restart();

        assertThat(f.sandboxes.warmPoolReady()).isEqualTo(1);
        assertThat(f.create(ACME).id()).isEqualTo(pooled);
    }

    @Test
    void aPoolSandboxWhoseWorkDiedIsReplacedInsteadOfHandedOut() {
        startWithPool(1);
        String pooled = f.store.sandboxes().getFirst().id();
        f.engine.killEverything();
        f.restart();

        Sandbox s = f.create(ACME);

        assertThat(s.id()).isNotEqualTo(pooled);
        assertThat(s.state()).isEqualTo(SandboxState.RUNNING);
        SandboxFixture.until(() -> f.store.sandboxes().stream().map(SandboxRecord::id).toList(),
                ids -> !ids.contains(pooled));
    }
}
