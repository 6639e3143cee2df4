package dev.era.engine.process;

import dev.era.api.AppSpec;
import dev.era.api.Capability;
import dev.era.api.EngineHandle;
import dev.era.api.InvalidSpecException;
import dev.era.api.Volume;
import dev.era.api.Workload;
import dev.era.testing.ExecResult;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a sandbox spec may say, and how its volumes and working directory show up inside. */
class SandboxSpecTest extends SandboxTestSupport {

    @Test
    void aSandboxNeedsNoCommand() {
        engine.validate(sandbox().build());
        engine.validate(sandbox("python3", "-m", "http.server").build());
    }

    @Test
    void validateNamesTheFieldAndWhatToDo() {
        assertInvalid(sandbox().artifact("https://example.com/app.tgz").build(), "artifact", "files API");
        assertInvalid(sandbox().volume("workspace", "/data").build(), "volumes", "reserved");
        assertInvalid(sandbox().volume("data", "/usr/local").build(), "volumes", "/usr/local");
        assertInvalid(sandbox().volume("data", "relative").build(), "volumes", "relative");
        assertInvalid(sandbox().workingDir("relative").build(), "workingDir", "relative");
        assertInvalid(sandbox("no-such-program-era").build(), "command", "not on the sandbox's PATH");
        assertInvalid(sandbox("").build(), "command", "empty program");
    }

    @Test
    void aHostWithoutSandboxSupportSaysWhyAndOffersNoSandboxCapabilities() {
        SandboxHost none = new SandboxHost("bubblewrap (bwrap) is not installed", Path.of("bwrap"), Path.of("setpriv"),
                Path.of("perl"), SandboxHost.DEFAULT_HOST_ID, SandboxHost.DEFAULT_HOST_ID, Path.of("/run/era/sandboxes"), List.of());
        ProcessEngine plain = new ProcessEngine(System.getenv(), Cgroups.detect(), Clock.systemUTC(), none);

        assertThat(plain.capabilities()).containsOnly(Capability.LOGS, Capability.VOLUME);
        assertThatThrownBy(() -> plain.validate(sandbox().build())).isInstanceOfSatisfying(InvalidSpecException.class, e -> {
            assertThat(e.field()).isEqualTo("isolation");
            assertThat(e.getMessage()).contains("bwrap");
        });
        assertThat(engine.capabilities()).contains(Capability.SANDBOX, Capability.EXEC, Capability.PTY, Capability.FILES);
    }

    @Test
    void volumesAppearAtTheirMountPathsReadOnlyWhenAsked() {
        Workload w = workload(sandbox().volume("data", "/data").volume("models", "/opt/models"));
        Workload ro = Workloads.of(dir.resolve("ro"), withReadOnlyVolumes(sandbox().volume("shared", "/shared").build()));
        EngineHandle h = start(w);
        EngineHandle r = start(ro);

        ExecResult writes = sh(h, "echo d > /data/f && echo m > /opt/models/f && echo $ERA_VOLUME_DATA");
        ExecResult readOnly = sh(r, "touch /shared/f; echo $?");

        assertThat(writes.stdout()).isEqualTo("/data\n");
        assertThat(w.volume(w.spec().volumes().getFirst()).resolve("f")).hasContent("d");
        assertThat(readOnly.stdout()).isEqualTo("1\n");
    }

    @Test
    void theCommandStartsInItsWorkingDirectoryAndExecsInTheWorkspace() throws InterruptedException {
        Workload w = workload(sandbox("/bin/sh", "-c", "pwd; exec sleep 60").workingDir("/home/user"));
        start(w);

        assertThat(ExecResult.run(engine, start(workload(sandbox())), TIMEOUT, "pwd").stdout()).isEqualTo("/workspace\n");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (Workloads.log(w).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(Workloads.log(w)).isEqualTo("/home/user\n");
    }

    private static AppSpec withReadOnlyVolumes(AppSpec s) {
        return new AppSpec(s.name(), s.engine(), s.artifact(), s.command(), s.args(), s.env(), s.workingDir(), s.resources(),
                s.health(), s.restart(), s.volumes().stream().map(v -> new Volume(v.name(), v.mountPath(), true)).toList(),
                s.stopTimeout(), s.isolation());
    }

    private void assertInvalid(AppSpec spec, String field, String message) {
        assertThatThrownBy(() -> engine.validate(spec)).isInstanceOfSatisfying(InvalidSpecException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).contains(message);
        });
    }
}
