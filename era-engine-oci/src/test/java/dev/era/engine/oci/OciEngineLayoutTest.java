package dev.era.engine.oci;

import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.Workload;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where the engine loaded by the daemon keeps its images: next to the deployments, shared by all. */
class OciEngineLayoutTest {
    @TempDir
    Path data;

    private Workload workload(Path deploymentDir) {
        DeploymentId id = DeploymentId.random();
        return new Workload(id, 1, TestSpec.builder("oci").artifact("127.0.0.1:5000/a:1").build(), deploymentDir.resolve("v1"),
                deploymentDir.resolve("volumes"), deploymentDir.resolve("run"), deploymentDir.resolve("logs/output.log"));
    }

    @Test
    void theDaemonsEngineKeepsImagesInTheDataDirectoryForEveryDeployment() {
        OciEngine engine = new OciEngine();

        Path first = engine.store(workload(data.resolve("deployments/d-000000000001"))).root();
        Path second = engine.store(workload(data.resolve("deployments/d-000000000002"))).root();

        assertThat(first).isEqualTo(data.resolve("images")).isEqualTo(second);
    }

    @Test
    void aWorkloadOutsideTheDaemonsLayoutIsRefusedWithWhereItLooked() {
        assertThatThrownBy(() -> new OciEngine().store(workload(data.resolve("elsewhere/x"))))
                .isInstanceOf(EngineException.class).hasMessageContaining("<data>/deployments/<id>/");
    }
}
