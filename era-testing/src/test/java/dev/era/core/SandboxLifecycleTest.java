package dev.era.core;

import dev.era.api.BadRequestException;
import dev.era.api.ConflictException;
import dev.era.api.NotFoundException;
import dev.era.api.Resources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.era.core.SandboxFixture.ACME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxLifecycleTest {
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
    void createReturnsARunningSandboxWhoseBodyIsADeploymentOfTheSameNumber() {
        Sandbox s = f.sandboxes.create(ACME, SandboxFixture.request("dev", Map.of("A", "1"), Duration.ofMinutes(5)));

        assertThat(s.id()).matches("sb-[0-9a-f]{12}");
        assertThat(s.state()).isEqualTo(SandboxState.RUNNING);
        assertThat(s.tenant()).isEqualTo("acme");
        assertThat(s.engine()).isEqualTo("fake-sandbox");
        assertThat(s.resources()).isEqualTo(f.config.defaultResources());
        Deployment d = f.runtime.get(ACME, "d-" + s.id().substring(3));
        assertThat(d.state()).isEqualTo(LifecycleState.RUNNING);
        assertThat(d.spec().isolation().sandboxed()).isTrue();
        assertThat(d.spec().env()).containsEntry("A", "1");
        assertThat(f.store.sandboxes()).extracting(SandboxRecord::id).containsExactly(s.id());
    }

    @Test
    void sandboxesAreListedInCreationOrderAndFoundByIdOrName() {
        Sandbox a = f.sandboxes.create(ACME, SandboxFixture.request("a", Map.of(), Duration.ZERO));
        f.scheduler.advance(Duration.ofSeconds(1));
        Sandbox b = f.create(ACME);

        assertThat(f.sandboxes.list(ACME)).extracting(Sandbox::id).containsExactly(a.id(), b.id());
        assertThat(f.sandboxes.get(ACME, "a").id()).isEqualTo(a.id());
        assertThat(f.sandboxes.get(ACME, b.id()).id()).isEqualTo(b.id());
    }

    @Test
    void aSecondSandboxWithTheSameNameIsAConflict() {
        f.sandboxes.create(ACME, SandboxFixture.request("dev", Map.of(), Duration.ZERO));

        assertThatThrownBy(() -> f.sandboxes.create(ACME, SandboxFixture.request("dev", Map.of(), Duration.ZERO)))
                .isInstanceOf(ConflictException.class).hasMessageContaining("'dev'");
    }

    @Test
    void badRequestsNameTheFieldAndCreateNothing() {
        assertThatThrownBy(() -> f.sandboxes.create(ACME, SandboxFixture.request("Not_A_Name", Map.of(), Duration.ZERO)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("Not_A_Name");
        assertThatThrownBy(() -> f.sandboxes.create(ACME, new SandboxRequest("", "", "", Resources.UNLIMITED, "bridge",
                Map.of(), Map.of(), Duration.ZERO, "", List.of()))).hasMessageContaining("network");
        assertThatThrownBy(() -> f.sandboxes.create(ACME, new SandboxRequest("", "process", "", Resources.UNLIMITED,
                "none", Map.of(), Map.of(), Duration.ZERO, "", List.of())))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("fake-sandbox");
        assertThatThrownBy(() -> f.sandboxes.create(ACME, SandboxFixture.request("", Map.of("1BAD", "x"), Duration.ZERO)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("1BAD");
        assertThatThrownBy(() -> f.sandboxes.create(ACME, SandboxFixture.fromSnapshot("snap-000000000000")))
                .isInstanceOf(NotFoundException.class);

        assertThat(f.sandboxes.list(ACME)).isEmpty();
        assertThat(f.store.sandboxes()).isEmpty();
    }

    @Test
    void aSandboxWhoseWorkCannotStartFailsTheCreateWithTheEnginesMessageAndLeavesNothing() {
        SandboxRequest broken = new SandboxRequest("", "", "", Resources.UNLIMITED, "none", Map.of(), Map.of(),
                Duration.ZERO, "", List.of("/no/such/program"));

        assertThatThrownBy(() -> f.sandboxes.create(ACME, broken))
                .isInstanceOf(dev.era.api.EngineException.class)
                .hasMessageContaining("could not start").hasMessageContaining("/no/such/program");
        assertThat(f.sandboxes.list(ACME)).isEmpty();
        assertThat(f.store.sandboxes()).isEmpty();
        assertThat(f.runtime.list(Caller.ADMIN)).isEmpty();
    }

    @Test
    void deleteRemovesTheSandboxItsDeploymentAndItsFiles() throws Exception {
        Sandbox s = f.create(ACME);
        f.sh(ACME, s.id(), "echo hi > note.txt");
        assertThat(f.workspace(s).resolve("note.txt")).exists();

        Sandbox deleted = f.sandboxes.delete(ACME, s.id());

        assertThat(deleted.state()).isEqualTo(SandboxState.DELETED);
        assertThat(f.sandboxes.list(ACME)).isEmpty();
        assertThat(f.store.sandboxes()).isEmpty();
        assertThat(f.runtime.list(Caller.ADMIN)).isEmpty();
        assertThat(Files.exists(f.workspace(s))).isFalse();
        assertThatThrownBy(() -> f.sandboxes.get(ACME, s.id())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void suspendFreezesTheSandboxKeepingItsWorkspaceAndResumeBringsItBack() {
        Sandbox s = f.create(ACME);
        f.sh(ACME, s.id(), "echo kept > file.txt");

        assertThat(f.sandboxes.suspend(ACME, s.id()).state()).isEqualTo(SandboxState.SUSPENDED);
        assertThat(f.engine.paused(f.runtime.get(ACME, "d-" + s.id().substring(3)).handle())).isTrue();
        assertThat(f.sandboxes.suspend(ACME, s.id()).state()).isEqualTo(SandboxState.SUSPENDED);

        assertThat(f.sandboxes.resume(ACME, s.id()).state()).isEqualTo(SandboxState.RUNNING);
        assertThat(f.sh(ACME, s.id(), "cat file.txt").stdout()).isEqualTo("kept\n");
    }

    @Test
    void anExecOnASuspendedSandboxResumesItFirst() {
        Sandbox s = f.create(ACME);
        f.sandboxes.suspend(ACME, s.id());

        Execution x = f.sh(ACME, s.id(), "echo awake");

        assertThat(x.stdout()).isEqualTo("awake\n");
        assertThat(f.sandboxes.get(ACME, s.id()).state()).isEqualTo(SandboxState.RUNNING);
    }

    @Test
    void aFileCallOnASuspendedSandboxResumesItToo() {
        Sandbox s = f.create(ACME);
        f.sandboxes.suspend(ACME, s.id());

        f.sandboxes.mkdir(ACME, s.id(), "made-while-suspended");

        assertThat(f.sandboxes.get(ACME, s.id()).state()).isEqualTo(SandboxState.RUNNING);
    }

    @Test
    void anIdleSandboxIsSuspendedAfterItsIdleTimeout() {
        Sandbox s = f.sandboxes.create(ACME, SandboxFixture.request("", Map.of(), Duration.ofMinutes(10)));

        f.scheduler.advance(Duration.ofMinutes(9));
        assertThat(f.sandboxes.get(ACME, s.id()).state()).isEqualTo(SandboxState.RUNNING);
        f.scheduler.advance(Duration.ofMinutes(1));

        f.until(ACME, s.id(), SandboxState.SUSPENDED);
    }

    @Test
    void activityAndKeepAlivePushTheIdleSuspensionBack() {
        Sandbox s = f.sandboxes.create(ACME, SandboxFixture.request("", Map.of(), Duration.ofMinutes(10)));
        f.scheduler.advance(Duration.ofMinutes(6));
        f.sandboxes.keepAlive(ACME, s.id());
        f.scheduler.advance(Duration.ofMinutes(6));
        f.sh(ACME, s.id(), "true");

        f.scheduler.advance(Duration.ofMinutes(9));
        awaitTimers();
        assertThat(f.sandboxes.get(ACME, s.id()).state()).isEqualTo(SandboxState.RUNNING);

        f.advanceUntil(ACME, s.id(), SandboxState.SUSPENDED, Duration.ofSeconds(20));
        assertThat(f.scheduler.clock.instant()).isAfterOrEqualTo(f.sandboxes.get(ACME, s.id()).lastActivity()
                .plus(Duration.ofMinutes(10)));
    }

    @Test
    void aSandboxWithARunningCommandIsBusyNotIdle() {
        Sandbox s = f.sandboxes.create(ACME, SandboxFixture.request("", Map.of(), Duration.ofMinutes(10)));
        Execution x = f.sandboxes.execAsync(ACME, s.id(), ExecRequest.of("sleep 30"));

        f.scheduler.advance(Duration.ofMinutes(11));
        awaitTimers();
        assertThat(f.sandboxes.get(ACME, s.id()).state()).isEqualTo(SandboxState.RUNNING);

        f.sandboxes.kill(ACME, s.id(), x.id());
        f.advanceUntil(ACME, s.id(), SandboxState.SUSPENDED, Duration.ofMinutes(1));
    }

    @Test
    void aSandboxSurvivesARestartOfTheRuntimeManagerWithItsWorkspaceAndIdleTimer() {
        Sandbox s = f.sandboxes.create(ACME, SandboxFixture.request("keep", Map.of("GREETING", "hi"),
                Duration.ofMinutes(10)));
        f.sh(ACME, s.id(), "echo persisted > data.txt");

        f.restart();

        Sandbox back = f.sandboxes.get(ACME, "keep");
        assertThat(back.id()).isEqualTo(s.id());
        assertThat(back.state()).isEqualTo(SandboxState.RUNNING);
        assertThat(back.env()).containsEntry("GREETING", "hi");
        assertThat(f.sh(ACME, s.id(), "cat data.txt; echo $GREETING").stdout()).isEqualTo("persisted\nhi\n");
        f.scheduler.advance(Duration.ofMinutes(10));
        f.until(ACME, s.id(), SandboxState.SUSPENDED);
    }

    @Test
    void aSuspendedSandboxWhoseWorkDiedWithTheHostStartsAgainWithItsFilesAfterARestart() {
        Sandbox s = f.create(ACME);
        f.sh(ACME, s.id(), "echo persisted > data.txt");
        f.sandboxes.suspend(ACME, s.id());
        f.engine.killEverything();

        f.restart();

        assertThat(f.sandboxes.get(ACME, s.id()).state()).isEqualTo(SandboxState.SUSPENDED);
        assertThat(f.sh(ACME, s.id(), "cat data.txt").stdout()).isEqualTo("persisted\n");
    }

    @Test
    void aSandboxWhoseDeploymentWasRemovedThroughTheDeploymentsApiIsGone() {
        Sandbox s = f.create(ACME);
        f.runtime.delete(ACME, "d-" + s.id().substring(3));
        SandboxFixture.until(() -> f.runtime.list(ACME), List::isEmpty);

        assertThat(f.sandboxes.list(ACME)).isEmpty();
        assertThat(f.store.sandboxes()).isEmpty();
        assertThatThrownBy(() -> f.sh(ACME, s.id(), "true")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aSandboxRowWithoutItsDeploymentIsForgottenAtStart() {
        f.store.saveSandbox(new SandboxRecord("sb-00000000dead", "acme", "orphan", "fake-sandbox", "",
                Resources.UNLIMITED, "none", Map.of(), Map.of(), Duration.ZERO, "", false, f.scheduler.clock.instant()));

        f.restart();

        assertThat(f.sandboxes.list(ACME)).isEmpty();
        assertThat(f.store.sandboxes()).isEmpty();
    }

    /** Timers run on worker threads; give the ones just due a moment to finish. */
    private static void awaitTimers() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
