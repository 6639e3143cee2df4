package dev.era.engine.oci;

import dev.era.api.EngineHandle;
import dev.era.api.ExitListener;
import dev.era.api.Isolation;
import dev.era.api.Workload;
import dev.era.testing.TestSpec;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

/**
 * Plays the daemon in a child JVM with the engine the daemon loads ({@code new OciEngine()}): pulls,
 * starts one sandbox workload laid out as the core does, prints the handle (Base64) and waits to be
 * killed with SIGKILL. Arguments: data directory, deployment id, image, command...
 */
final class DaemonStandIn {
    private DaemonStandIn() {
    }

    static void main(String[] args) throws InterruptedException {
        Workload w = OciDaemonRestartTest.workload(Path.of(args[0]), args[1], TestSpec.builder("oci").artifact(args[2])
                .isolation(Isolation.SANDBOX).command(Arrays.copyOfRange(args, 3, args.length)).build());
        OciEngine engine = new OciEngine();
        engine.fetch(w);
        engine.install(w);
        EngineHandle handle = engine.start(w, ExitListener.IGNORE);
        IO.println(Base64.getEncoder().encodeToString(handle.data()));
        Thread.sleep(Long.MAX_VALUE);
    }
}
