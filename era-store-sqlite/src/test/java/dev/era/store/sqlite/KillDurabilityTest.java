package dev.era.store.sqlite;

import dev.era.core.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The claim behind synchronous=NORMAL: a write that returned survives kill -9 of the daemon. */
class KillDurabilityTest {
    @TempDir
    Path dir;

    @Test
    void everyWriteThatReturnedSurvivesKillMinus9() throws Exception {
        Path db = dir.resolve("era.db");
        int writes = 50;
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                CrashingWriter.class.getName(), db.toString(), String.valueOf(writes))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        // If the child hangs, killing it ends the read below instead of hanging the build.
        CompletableFuture.runAsync(child::destroyForcibly, CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS));
        List<Long> acknowledged = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while (acknowledged.size() < writes && (line = out.readLine()) != null) {
                if (line.startsWith("committed ")) {
                    acknowledged.add(Long.parseLong(line.substring("committed ".length())));
                }
            }
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close(), no checkpoint
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(acknowledged).hasSize(writes);
        try (SqliteStateStore reopened = SqliteStateStore.open(db)) {
            assertThat(reopened.events(0, 1000)).extracting(Event::seq).containsExactlyElementsOf(acknowledged);
        }
    }
}
