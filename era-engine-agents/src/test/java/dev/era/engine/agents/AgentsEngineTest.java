package dev.era.engine.agents;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.HealthCheck;
import dev.era.api.InvalidSpecException;
import dev.era.api.Isolation;
import dev.era.api.Resources;
import dev.era.api.RestartPolicy;
import dev.era.api.Workload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine over the real example package jar and the real Local runtime on SQLite. */
class AgentsEngineTest {
    @TempDir
    Path dir;
    private final AgentsEngine engine = new AgentsEngine();
    private final List<EngineHandle> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(h -> engine.stop(h, Duration.ZERO));
    }

    private Workload workload(String id, int version, String artifact, Map<String, String> env) {
        AppSpec spec = new AppSpec("agents-" + id, "agents", artifact, List.of(), List.of(), env, "",
                Resources.UNLIMITED, HealthCheck.NONE, RestartPolicy.DEFAULT, List.of(), Duration.ofSeconds(5),
                Isolation.NONE);
        Path base = dir.resolve(id);
        return new Workload(new DeploymentId("d-" + "0".repeat(12 - id.length()) + id), version, spec,
                base.resolve("v" + version), base.resolve("volumes"), base.resolve("run"), base.resolve("output.log"));
    }

    private EngineHandle deploy(Workload w) {
        engine.validate(w.spec());
        engine.fetch(w);
        engine.install(w);
        EngineHandle h = engine.start(w, exit -> { });
        started.add(h);
        return h;
    }

    @Test
    void aDeployedPackageServesItsTypesAndKeepsStateAcrossAStopAndStart() throws Exception {
        Workload w = workload("a1", 1, ExampleJar.in(dir).toString(), Map.of());
        EngineHandle h = deploy(w);

        assertThat(engine.served()).extracting(ServedType::type).containsExactly("chat", "counter", "reminder");
        assertThat(engine.find("counter").orElseThrow().runtime().send("counter", "c", "inc 41").join().text()).isEqualTo("41");
        assertThat(engine.status(h)).isInstanceOf(AppStatus.Running.class);

        engine.stop(h, Duration.ZERO);
        assertThat(engine.find("counter")).isEmpty();
        assertThat(engine.status(h)).isInstanceOf(AppStatus.Gone.class);

        EngineHandle again = engine.start(w, exit -> { });
        started.add(again);
        assertThat(engine.find("counter").orElseThrow().runtime().send("counter", "c", "inc").join().text()).isEqualTo("42");
    }

    @Test
    void startingTheSameVersionTwiceReturnsTheSameHandle() throws Exception {
        Workload w = workload("a2", 1, ExampleJar.in(dir).toString(), Map.of());
        EngineHandle h = deploy(w);
        assertThat(engine.start(w, exit -> { })).isEqualTo(h);
    }

    @Test
    void recoverAfterARestartLoadsThePackageAgainWithItsState() throws Exception {
        Workload w = workload("a3", 1, ExampleJar.in(dir).toString(), Map.of());
        EngineHandle h = deploy(w);
        engine.find("counter").orElseThrow().runtime().send("counter", "r", "inc 7").join();
        engine.stop(h, Duration.ZERO);

        AgentsEngine restarted = new AgentsEngine();
        EngineHandle recovered = restarted.recover(h, w, exit -> { }).orElseThrow();
        try {
            assertThat(restarted.find("counter").orElseThrow().runtime().send("counter", "r", "get").join().text())
                    .isEqualTo("7");
        } finally {
            restarted.stop(recovered, Duration.ZERO);
        }
    }

    @Test
    void aTypeServedByAnotherDeploymentFailsTheSecondStartNamingTheFirst() throws Exception {
        Path jar = ExampleJar.in(dir);
        Workload first = workload("b1", 1, jar.toString(), Map.of());
        deploy(first);
        Workload second = workload("b2", 1, jar.toString(), Map.of());
        engine.install(second);
        assertThatThrownBy(() -> engine.start(second, exit -> { })).isInstanceOf(EngineException.class)
                .hasMessageContaining("already served by deployment " + first.id());
        assertThat(engine.find("counter").orElseThrow().deployment()).isEqualTo(first.id());
    }

    @Test
    void aJarWithoutAnAgentPackageFailsAtInstallSayingWhatToAdd() throws Exception {
        Path jar = ExampleJar.with(dir.resolve("empty.jar"), List.<String[]>of(new String[] {"README", "hi"}));
        Workload w = workload("c1", 1, jar.toString(), Map.of());
        assertThatThrownBy(() -> engine.install(w)).isInstanceOf(EngineException.class)
                .hasMessageContaining("META-INF/services/dev.era.agent.AgentPackage");
    }

    @Test
    void aPackageClassThatIsMissingFailsAtStartNamingIt() throws Exception {
        Path jar = ExampleJar.with(dir.resolve("broken.jar"),
                List.<String[]>of(new String[] {PackageJar.SERVICES, "com.example.Missing\n"}));
        Workload w = workload("c2", 1, jar.toString(), Map.of());
        engine.install(w);
        assertThatThrownBy(() -> engine.start(w, exit -> { })).isInstanceOf(EngineException.class)
                .hasMessageContaining("com.example.Missing");
    }

    @Test
    void specsWithACommandARelativeArtifactOrABadLimitAreRejectedNamingTheField() {
        AppSpec base = workload("d1", 1, "/x/agents.jar", Map.of()).spec();
        assertThatThrownBy(() -> engine.validate(new AppSpec(base.name(), "agents", "/x/a.jar", List.of("java"), List.of(),
                Map.of(), "", Resources.UNLIMITED, HealthCheck.NONE, RestartPolicy.DEFAULT, List.of(), Duration.ZERO,
                Isolation.NONE))).isInstanceOfSatisfying(InvalidSpecException.class,
                e -> assertThat(e.getMessage()).contains("runs no command"));
        assertThatThrownBy(() -> engine.validate(workload("d2", 1, "agents.jar", Map.of()).spec()))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("absolute path");
        assertThatThrownBy(() -> engine.validate(workload("d3", 1, "/x/a.jar",
                Map.of(AgentsSpec.IDLE_ENV, "soon")).spec())).isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining(AgentsSpec.IDLE_ENV);
    }

    @Test
    void thePackageSeesTheAgentApiButNotTheDaemonsClasses() throws Exception {
        Workload w = workload("e1", 1, ExampleJar.in(dir).toString(), Map.of());
        deploy(w);
        PackageLoader l = PackageLoader.open(w, PackageJar.installed(w));
        try {
            ClassLoader loader = l.packages().getFirst().getClass().getClassLoader();
            assertThat(loader.loadClass("dev.era.agent.Agent")).isSameAs(dev.era.agent.Agent.class);
            assertThat(l.packages().getFirst().getClass()).isNotSameAs(dev.era.agents.examples.ExampleAgents.class);
            assertThatThrownBy(() -> loader.loadClass("dev.era.agents.EraAgents")).isInstanceOf(ClassNotFoundException.class);
        } finally {
            l.close();
        }
    }
}
