package dev.era.http;

import dev.era.core.Authenticator;
import dev.era.core.DeploymentService;
import dev.era.core.SandboxService;

import java.time.Duration;
import java.util.Optional;

/** Lets tests of other modules start a server with a short heartbeat (pings, SSE keep-alives). */
public final class TestServers {
    private TestServers() {
    }

    public static EraServer start(HttpConfig config, DeploymentService deployments, SandboxService sandboxes,
                                  Authenticator auth, Duration heartbeat) {
        return EraServer.start(config, deployments, Optional.of(sandboxes), auth, heartbeat);
    }
}
