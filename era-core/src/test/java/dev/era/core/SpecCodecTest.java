package dev.era.core;

import dev.era.api.AppSpec;
import dev.era.api.InvalidSpecException;
import dev.era.api.Probe;
import dev.era.api.RestartPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpecCodecTest {
    private static final String FULL = """
            name: web
            engine: process
            command: [python3, -m, http.server]
            args: ["8080"]
            env: {GREETING: hello, PORT: "8080"}
            workingDir: /srv
            resources: {cpu: 0.5, memory: 256Mi, pids: 64}
            health:
              http: {port: 8080, path: /healthz}
              interval: 500ms
              timeout: 2s
              successThreshold: 2
              failureThreshold: 4
              deadline: 1m
            restart: {policy: always, maxRetries: 7, backoff: 100ms, maxBackoff: 5s}
            volumes: [{name: data, mountPath: /data}]
            stopTimeout: 3s
            """;

    @Test
    void aFullYamlSpecIsReadFieldByField() {
        AppSpec s = SpecCodec.parse(FULL);
        assertThat(s.argv()).containsExactly("python3", "-m", "http.server", "8080");
        assertThat(s.env()).containsEntry("PORT", "8080");
        assertThat(s.resources().memoryBytes()).isEqualTo(256L << 20);
        assertThat(s.resources().cpu()).isEqualTo(0.5);
        assertThat(s.health().probe()).isEqualTo(new Probe.Http(8080, "/healthz"));
        assertThat(s.health().interval()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.restart().mode()).isEqualTo(RestartPolicy.Mode.ALWAYS);
        assertThat(s.volumes()).singleElement().satisfies(v -> assertThat(v.mountPath()).isEqualTo("/data"));
        assertThat(s.stopTimeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void writingAndReadingBackGivesTheSameSpec() {
        AppSpec s = SpecCodec.parse(FULL);
        assertThat(SpecCodec.parse(SpecCodec.write(s))).isEqualTo(s);
        AppSpec minimal = SpecCodec.parse("{\"name\":\"a\",\"command\":[\"true\"]}");
        assertThat(SpecCodec.parse(SpecCodec.write(minimal))).isEqualTo(minimal);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "name: Bad_Name|name|not a valid name",
            "command: [x]|name|is required",
            "name: a\\nbogus: 1|bogus|unknown field",
            "name: a\\nresources: {memory: -5Mi}|resources.memory|must not be negative",
            "name: a\\nresources: {memory: 9Ti}|resources.memory|between 4Mi and 1Ti",
            "name: a\\nresources: {cpu: 5000}|resources.cpu|between 0 and 1024",
            "name: a\\nresources: {pids: -1}|resources.pids|between 0 and 1000000",
            "name: a\\nresources: {memory: lots}|resources.memory|not a size",
            "name: a\\nhealth: {http: {path: /}}|health.http.port|is required",
            "name: a\\nhealth: {tcp: {port: 70000}}|health.tcp.port|between 1 and 65535",
            "name: a\\nhealth: {tcp: {port: 1}, interval: 5}|health.interval|must be a duration",
            "name: a\\nrestart: {policy: sometimes}|restart.policy|use never, on-failure or always",
            "name: a\\nenv: {1BAD: x}|env.1BAD|not a variable name",
            "name: a\\ncommand: python3|command|must be a list of strings",
            "name: a\\nvolumes: [{name: v}, {name: v}]|volumes[1].name|used by two volumes",
            "name: a\\nvolumes: [{name: v, mountPath: rel}]|volumes[0].mountPath|absolute path",
            "[1, 2]|(document)|must be a mapping",
            "name: [unclosed|(document)|not valid YAML or JSON",
    })
    void badSpecsNameTheFieldAndWhatToDo(String yaml, String field, String says) {
        assertThatThrownBy(() -> SpecCodec.parse(yaml.replace("\\n", "\n")))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).contains(says);
                });
    }

    @Test
    void anOversizedDocumentIsRefusedBeforeParsing() {
        assertThatThrownBy(() -> SpecCodec.parse("name: a\n#" + "x".repeat(SpecCodec.MAX_SPEC_BYTES)))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("the limit is");
    }

    @Test
    void restartBackoffDoublesUpToTheMaximum() {
        RestartPolicy p = SpecCodec.parse("name: a\nrestart: {backoff: 100ms, maxBackoff: 1s}").restart();
        assertThat(p.backoff(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(p.backoff(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(p.backoff(10)).isEqualTo(Duration.ofSeconds(1));
    }
}
