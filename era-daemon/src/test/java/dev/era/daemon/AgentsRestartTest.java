package dev.era.daemon;

import dev.era.client.Deployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** An agent package deployed as engine: agents survives kill -9 of the daemon: loaded again, with every acknowledged tick. */
class AgentsRestartTest {
    @TempDir
    Path dir;

    @Test
    void afterKill9TheRestartedDaemonServesTheSameAgentsWithTheirCommittedState() throws Exception {
        Path jar = ExampleJar.in(Files.createDirectories(dir.resolve("pkg")));
        Path data = dir.resolve("data");
        try (DaemonProcess first = DaemonProcess.start(data)) {
            Deployment d = first.unix().deploy("name: examples\nengine: agents\nartifact: " + jar + "\n",
                    Duration.ofSeconds(60));
            assertThat(d.state()).as(d.message()).isEqualTo("RUNNING");
            for (int i = 0; i < 50; i++) {
                first.unix().agents().send("counter", "c", "inc");
            }
            first.kill9();
        }
        try (DaemonProcess second = DaemonProcess.start(data)) {
            assertThat(second.unix().get("examples").state()).isEqualTo("RUNNING");
            assertThat(second.unix().agents().send("counter", "c", "get").text()).isEqualTo("50");
            BlockingQueue<String> heard = new LinkedBlockingQueue<>();
            try (var s = second.unix().agents().connect("chat", "r", Map.of("name", "bo"), heard::add)) {
                assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("* bo joined");
            }
        }
    }
}
