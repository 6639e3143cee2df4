package dev.era.agents.teavm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agents that run on the Local backend also run as JavaScript: TeaVM compiled them (with
 * era-agent-api and {@link MemoryHost}) during this build, and node runs their ticks here. This
 * is the proof that the Browser and Cloudflare backends can take the same agent classes.
 */
class AgentsInJavaScriptTest {
    static final Path SCRIPT = Path.of("target", "teavm", "agents.js");

    static List<String> runInNode(String... commands) throws IOException, InterruptedException {
        StringBuilder js = new StringBuilder("require(process.argv[1]).main([");
        for (int i = 0; i < commands.length; i++) {
            js.append(i > 0 ? "," : "").append('"').append(commands[i].replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        js.append("]);");
        Process node = new ProcessBuilder("node", "-e", js.toString(), SCRIPT.toAbsolutePath().toString())
                .redirectErrorStream(true).start();
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("node finished").isTrue();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(node.exitValue()).as("node's exit status; output:%n%s", out).isZero();
        return out.lines().toList();
    }

    @Test
    void theBuildProducedJavaScript() throws IOException {
        assertThat(SCRIPT).exists();
        assertThat(Files.size(SCRIPT)).as("a minified bundle, not an empty file").isBetween(10_000L, 2_000_000L);
    }

    @Test
    void theBuildAlsoCompiledTheAgentsToWebAssemblyWithGc() throws IOException {
        Path wasm = Path.of("target", "teavm", "agents.wasm");
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(wasm), 4);
        assertThat(head).as("the WebAssembly magic number").containsExactly(0, 'a', 's', 'm');
    }

    @Test
    void theCounterAgentTicksInNodeAndItsStateRoundTripsThroughItsJsonCodec() throws Exception {
        assertThat(runInNode("send counter c1 inc", "send counter c1 inc 41", "send counter c1 get", "state counter c1",
                "send counter c1 bogus"))
                .containsExactly(
                        "reply counter/c1 200 1",
                        "reply counter/c1 200 42",
                        "reply counter/c1 200 42",
                        "state counter/c1 {\"value\":42}",
                        "reply counter/c1 400 unknown command 'bogus'; use inc, inc <n>, get or reset");
    }

    @Test
    void theChatRoomBroadcastsToConnectionsInNode() throws Exception {
        assertThat(runInNode("connect chat room c-1 ada", "connect chat room c-2 bob", "frame chat room c-1 hello",
                "send chat room who"))
                .containsSubsequence("frame c-1 * bob joined", "frame c-2 * bob joined", "frame c-1 ada: hello",
                        "frame c-2 ada: hello", "reply chat/room 200 ada,bob");
    }

    @Test
    void theReminderFiresOnItsAlarmWithCronAndDurationsInNode() throws Exception {
        List<String> out = runInNode(
                "send reminder me {\"remind\":\"tea\",\"text\":\"the kettle\",\"in\":\"PT5M\"}",
                "connect reminder me r-1 phone",
                "advance 299999",
                "state reminder me",
                "advance 1",
                "state reminder me",
                "send reminder me {\"remind\":\"standup\",\"text\":\"standup!\",\"cron\":\"0 9 * * 1-5\"}");
        assertThat(out).containsExactly(
                "reply reminder/me 200 set tea for 2025-03-17T08:05:00Z",
                "reply reminder/me 200 ",
                "state reminder/me none",
                "frame r-1 reminder tea: the kettle",
                "state reminder/me {\"fired\":1}",
                "reply reminder/me 200 set standup for 2025-03-17T09:00:00Z");
    }

    @Test
    void refusedCommandsStoreNothingInJavaScriptToo() throws Exception {
        // A refused command answers 400 and, having changed nothing, stores nothing.
        assertThat(runInNode("send counter c2 inc x", "state counter c2", "send reminder r not-json", "state reminder r"))
                .containsExactly("reply counter/c2 400 inc takes a whole number, as in 'inc 5'", "state counter/c2 none",
                        "reply reminder/r 400 send a JSON object such as {\"remind\":\"tea\",\"text\":\"...\",\"in\":\"PT5M\"}",
                        "state reminder/r none");
    }
}
