package dev.era.daemon;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outside clients, unchanged, against a real daemon with real sandboxes: RunLoop's official
 * TypeScript SDK from npm (era-compat/src/test/node/scenario.mjs) and the stdlib-only Python
 * client's own test suite (clients/python/tests). Each is one process; its output is the
 * failure message.
 */
class CompatClientsTest {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final Path NODE = ROOT.resolve("era-compat/src/test/node");
    static final Path PYTHON = ROOT.resolve("clients/python");

    @TempDir
    static Path dir;
    static ChildDaemon daemon;

    @BeforeAll
    static void start() {
        daemon = ChildDaemon.start(dir.resolve("data"));
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    @Test
    void runLoopsTypeScriptSdkDrivesADevboxThroughItsWholeLife() {
        if (!Files.isDirectory(NODE.resolve("node_modules/@runloop/api-client"))) {
            // the SDK exactly as package-lock.json pins it, from the npm registry
            ChildDaemon.Run install = daemon.run(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefix",
                    NODE.toString()), NODE, Map.of(), Duration.ofMinutes(5));
            assertThat(install.exit()).as(install.output()).isZero();
        }
        ChildDaemon.Run scenario = daemon.run(List.of("node", "scenario.mjs"), NODE,
                Map.of("RUNLOOP_BASE_URL", daemon.url(), "RUNLOOP_API_KEY", daemon.key()), Duration.ofMinutes(5));
        assertThat(scenario.output()).as("exit %d:\n%s\n--- daemon log ---\n%s", scenario.exit(), scenario.output(),
                tail(daemon.log())).contains("SCENARIO OK");
        assertThat(scenario.exit()).isZero();
    }

    private static String tail(String log) {
        return log.length() <= 20_000 ? log : log.substring(log.length() - 20_000);
    }
}
