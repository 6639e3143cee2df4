package dev.era.testing;

import dev.era.api.AppSpec;
import dev.era.api.HealthCheck;
import dev.era.api.Isolation;
import dev.era.api.Resources;
import dev.era.api.RestartPolicy;
import dev.era.api.Volume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link AppSpec}s for tests with the defaults the spec codec would apply, so that a test
 * names only what it is about: {@code TestSpec.builder("process").command("sleep", "60").build()}.
 */
public final class TestSpec {
    private String name = "app";
    private final String engine;
    private String artifact = "";
    private List<String> command = List.of();
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String workingDir = "";
    private Resources resources = Resources.UNLIMITED;
    private HealthCheck health = HealthCheck.NONE;
    private RestartPolicy restart = RestartPolicy.DEFAULT;
    private final List<Volume> volumes = new ArrayList<>();
    private Duration stopTimeout = Duration.ofSeconds(10);
    private Isolation isolation = Isolation.NONE;

    private TestSpec(String engine) {
        this.engine = engine;
    }

    public static TestSpec builder(String engine) {
        return new TestSpec(engine);
    }

    public TestSpec name(String name) {
        this.name = name;
        return this;
    }

    public TestSpec artifact(String artifact) {
        this.artifact = artifact;
        return this;
    }

    public TestSpec command(String... command) {
        this.command = List.of(command);
        return this;
    }

    public TestSpec args(String... args) {
        this.args.addAll(List.of(args));
        return this;
    }

    public TestSpec env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public TestSpec workingDir(String workingDir) {
        this.workingDir = workingDir;
        return this;
    }

    public TestSpec resources(Resources resources) {
        this.resources = resources;
        return this;
    }

    public TestSpec health(HealthCheck health) {
        this.health = health;
        return this;
    }

    public TestSpec restart(RestartPolicy restart) {
        this.restart = restart;
        return this;
    }

    public TestSpec volume(String name, String mountPath) {
        volumes.add(new Volume(name, mountPath, false));
        return this;
    }

    public TestSpec isolation(Isolation isolation) {
        this.isolation = isolation;
        return this;
    }

    public TestSpec stopTimeout(Duration stopTimeout) {
        this.stopTimeout = stopTimeout;
        return this;
    }

    public AppSpec build() {
        return new AppSpec(name, engine, artifact, command, args, env, workingDir, resources, health, restart, volumes,
                stopTimeout, isolation);
    }
}
