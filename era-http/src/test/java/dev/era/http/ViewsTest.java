package dev.era.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.AppStatus;
import dev.era.api.DeploymentId;
import dev.era.core.Deployment;
import dev.era.core.DeploymentStatus;
import dev.era.core.Event;
import dev.era.core.Health;
import dev.era.core.LifecycleState;
import dev.era.core.SpecCodec;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ViewsTest {
    private static final Instant T = Instant.parse("2025-01-02T03:04:05Z");

    private static Deployment deployment(int lastExitCode) {
        return new Deployment(new DeploymentId("d-0123456789ab"), "a", "web", 2,
                SpecCodec.parse("name: web\ncommand: [sleep, '1']\n"), LifecycleState.RUNNING, "",
                Deployment.NO_HANDLE, 42, Health.HEALTHY, 1, lastExitCode, "restarted", T, T.plusSeconds(1));
    }

    @Test
    void aDeploymentHasItsWireShape() {
        ObjectNode d = Views.deployment(deployment(3));

        assertThat(d.fieldNames()).toIterable().containsExactly("id", "name", "tenant", "engine", "version", "state",
                "health", "pid", "restarts", "lastExitCode", "message", "createdAt", "updatedAt", "spec");
        assertThat(d.get("id").asText()).isEqualTo("d-0123456789ab");
        assertThat(d.get("engine").asText()).isEqualTo("process");
        assertThat(d.get("state").asText()).isEqualTo("RUNNING");
        assertThat(d.get("health").asText()).isEqualTo("HEALTHY");
        assertThat(d.get("lastExitCode").asInt()).isEqualTo(3);
        assertThat(d.get("createdAt").asText()).isEqualTo("2025-01-02T03:04:05Z");
        assertThat(d.get("spec")).isEqualTo(SpecCodec.toTree(deployment(3).spec()));
    }

    @Test
    void aDeploymentThatNeverExitedHasANullExitCode() {
        assertThat(Views.deployment(deployment(-1)).get("lastExitCode").isNull()).isTrue();
    }

    @Test
    void observedStatesHaveTheirFields() {
        assertThat(Views.observed(new AppStatus.Running(7, T)).toString())
                .isEqualTo("{\"state\":\"running\",\"pid\":7,\"startedAt\":\"2025-01-02T03:04:05Z\"}");
        assertThat(Views.observed(new AppStatus.Exited(137, "killed by SIGKILL", T)).toString())
                .isEqualTo("{\"state\":\"exited\",\"exitCode\":137,\"reason\":\"killed by SIGKILL\",\"at\":\"2025-01-02T03:04:05Z\"}");
        assertThat(Views.observed(new AppStatus.Gone("lost")).toString()).isEqualTo("{\"state\":\"gone\",\"reason\":\"lost\"}");
    }

    @Test
    void aStatusIsTheDeploymentPlusObservedAndLogTail() {
        ObjectNode s = Views.status(new DeploymentStatus(deployment(-1), new AppStatus.Gone("x"), List.of("a", "b")));

        assertThat(s.fieldNames()).toIterable().endsWith("spec", "observed", "logTail", "drift");
        assertThat(s.get("logTail").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(s.get("drift").toString()).isEqualTo("[]");
    }

    @Test
    void aDaemonWideEventHasNullDeploymentNameAndState() {
        ObjectNode e = Views.event(new Event(9, T, "default", "", "", "info", "", "daemon started", Map.of("b", "2", "a", "1")));

        assertThat(e.toString()).isEqualTo("{\"seq\":9,\"at\":\"2025-01-02T03:04:05Z\",\"tenant\":\"default\","
                + "\"deployment\":null,\"name\":null,\"type\":\"info\",\"state\":null,\"message\":\"daemon started\","
                + "\"details\":{\"a\":\"1\",\"b\":\"2\"}}");
    }

    @Test
    void anErrorAlwaysHasErrorMessageAndDetails() {
        ObjectNode e = Views.error(new ApiError(404, "not_found", "", Map.of(), Map.of()));

        assertThat(e.fieldNames()).toIterable().containsExactly("error", "message", "details");
        assertThat(e.get("message").asText()).isNotBlank();
    }
}
