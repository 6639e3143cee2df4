package dev.era.engine.process;

import dev.era.api.DeploymentId;
import dev.era.api.EngineHandle;
import dev.era.api.ExitListener;
import dev.era.api.Isolation;
import dev.era.api.Workload;
import dev.era.testing.TestSpec;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

/**
 * Plays the daemon in a child JVM: starts one workload with a fresh engine, prints the handle
 * (Base64) on stdout and waits to be killed with SIGKILL by the test.
 * Arguments: root directory, deployment id, {@code sandbox} or {@code process}, command...
 */
final class DaemonStandIn {
    private DaemonStandIn() {
    }

    static void main(String[] args) throws InterruptedException {
        TestSpec spec = TestSpec.builder("process").command(Arrays.copyOfRange(args, 3, args.length));
        if (args[2].equals("sandbox")) {
            spec.isolation(Isolation.SANDBOX);
        }
        Workload w = Workloads.of(Path.of(args[0]), new DeploymentId(args[1]), spec.build());
        ProcessEngine engine = new ProcessEngine();
        engine.install(w);
        EngineHandle handle = engine.start(w, ExitListener.IGNORE);
        System.out.println(Base64.getEncoder().encodeToString(handle.data()));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
