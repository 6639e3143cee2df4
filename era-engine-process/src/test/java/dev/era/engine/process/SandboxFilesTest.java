package dev.era.engine.process;

import dev.era.api.EngineHandle;
import dev.era.api.Workload;
import dev.era.testing.ExecResult;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The sandbox's own directories: where they live on the host, who owns them, how long they last. */
class SandboxFilesTest extends SandboxTestSupport {

    @Test
    void workspaceTmpAndHomeAreHostDirectoriesOwnedByTheSandboxsHostUserEvenBeforeTheFirstStart() throws IOException {
        Workload w = workload(sandbox());

        Map<String, Path> roots = engine.fileRoots(w);

        assertThat(roots).containsOnlyKeys("/workspace", "/tmp", "/home/user");
        assertThat(roots.get("/workspace")).isEqualTo(w.volumesDir().resolve("workspace"));
        for (Path root : roots.values()) {
            assertThat(Files.getAttribute(root, "unix:uid")).as(root.toString()).isEqualTo(SandboxHost.DEFAULT_HOST_ID);
            assertThat(Files.getAttribute(root, "unix:gid")).as(root.toString()).isEqualTo(SandboxHost.DEFAULT_HOST_ID);
        }
        EngineHandle h = start(w);
        assertThat(sh(h, "echo a > /workspace/a; echo t > /tmp/t; echo h > /home/user/h").exitCode()).isZero();
        assertThat(Files.readString(roots.get("/workspace").resolve("a"))).isEqualTo("a\n");
        assertThat(Files.readString(roots.get("/tmp").resolve("t"))).isEqualTo("t\n");
        assertThat(Files.readString(roots.get("/home/user").resolve("h"))).isEqualTo("h\n");
    }

    @Test
    void aFileThePlatformPutsIntoTheWorkspaceIsTheSandboxsToUse() throws IOException {
        Workload w = workload(sandbox());
        EngineHandle h = start(w);
        Path root = engine.fileRoots(w).get("/workspace");
        Path file = Files.writeString(root.resolve("from-host.txt"), "uploaded\n");
        // what a files API does after writing: give the file to the owner of its root
        Files.setAttribute(file, "unix:uid", Files.getAttribute(root, "unix:uid"));
        Files.setAttribute(file, "unix:gid", Files.getAttribute(root, "unix:gid"));

        assertThat(sh(h, "cat /workspace/from-host.txt && echo changed >> /workspace/from-host.txt").exitCode()).isZero();
        assertThat(Files.readString(file)).isEqualTo("uploaded\nchanged\n");
    }

    @Test
    void theDirectoriesOutliveStopsRestartedEnginesAndDelete() throws IOException {
        Workload w = workload(sandbox());
        EngineHandle first = start(w);
        assertThat(sh(first, "echo 1 > /workspace/n; echo 1 > /home/user/.history; echo 1 > /tmp/scratch").exitCode()).isZero();
        engine.stop(first, Duration.ofSeconds(2));

        ProcessEngine restarted = new ProcessEngine();
        EngineHandle second = restarted.start(w, new ExitRecorder());
        try {
            assertThat(ExecResult.run(restarted, second, TIMEOUT, "cat", "/workspace/n", "/home/user/.history", "/tmp/scratch")
                    .stdout()).isEqualTo("1\n1\n1\n");
        } finally {
            restarted.stop(second, Duration.ofSeconds(2));
        }
        restarted.delete(w);

        assertThat(Files.readString(engine.fileRoots(w).get("/workspace").resolve("n"))).isEqualTo("1\n");
    }

    @Test
    void plainProcessesHaveNoFileRoots() {
        assertThat(engine.fileRoots(Workloads.of(dir, TestSpec.builder("process").command("true").build())))
                .isEmpty();
    }
}
