package dev.era.cli;

import dev.era.agents.AgentRuntime;
import dev.era.agents.EraAgents;
import dev.era.agents.examples.ExampleAgents;
import dev.era.api.AppSpec;
import dev.era.api.DeploymentId;
import dev.era.api.HealthCheck;
import dev.era.api.Isolation;
import dev.era.api.Resources;
import dev.era.api.RestartPolicy;
import dev.era.core.Caller;
import dev.era.http.AgentDirectory;
import dev.era.http.EraServer;
import dev.era.http.FakeAuthenticator;
import dev.era.http.FakeDeploymentService;
import dev.era.http.FakeSandboxService;
import dev.era.http.HttpConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code era agent} in-process against the real server with the example agents on a real runtime. */
class AgentCliTest {
    @TempDir
    static Path dataDir;
    static AgentRuntime agents;
    static EraServer server;

    record Run(int exit, String out, String err) {}

    @BeforeAll
    static void start() {
        agents = EraAgents.local(dataDir.resolve("agents.db")).register(new ExampleAgents()).start();
        FakeDeploymentService deployments = new FakeDeploymentService();
        DeploymentId owner = deployments.deploy(Caller.ADMIN, new AppSpec("examples", "process", "/x/agents.jar",
                List.of(), List.of(), Map.of(), "", Resources.UNLIMITED, HealthCheck.NONE, RestartPolicy.DEFAULT,
                List.of(), Duration.ofSeconds(1), Isolation.NONE)).id();
        AgentDirectory directory = new AgentDirectory() {
            @Override
            public Optional<Served> find(String type) {
                return agents.types().contains(type) ? Optional.of(new Served(type, owner, agents)) : Optional.empty();
            }

            @Override
            public List<Served> all() {
                return agents.types().stream().sorted().map(t -> new Served(t, owner, agents)).toList();
            }
        };
        server = EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.of(dataDir.resolve("era.sock"))), deployments,
                new FakeSandboxService(dataDir.resolve("sandboxes")), new FakeAuthenticator(), List.of(), directory);
    }

    @AfterAll
    static void stop() {
        server.close();
        agents.close();
    }

    static Run era(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = EraCli.run(new Stdio(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err),
                Map.of("ERA_DATA_DIR", dataDir.toString()), Path.of("/nonexistent-home"), args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void connectSendsEachLineAndPrintsWhatTheAgentSends() {
        Run r = era("hello\nbye\n", "agent", "connect", "chat", "cli-room", "-p", "name=ada", "--linger", "2s");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("* ada joined\nada: hello\nada: bye\n");
    }

    @Test
    void aRefusedConnectionExitsWithTheAgentsMessage() {
        Run r = era("", "agent", "connect", "chat", "cli-room");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("?name=");
    }

    @Test
    void sendReadsTheMessageFromStandardInputWhenNoWordsAreGiven() {
        Run r = era("inc 7\n", "-o", "json", "agent", "send", "counter", "cli-stdin");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"status\" : 200").contains("\"reply\" : \"7\"");
    }
}
