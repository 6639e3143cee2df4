package dev.era.daemon;

import dev.era.client.Deployment;
import dev.era.client.EraClient;
import dev.era.store.postgres.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code era serve --store-url postgres://...}: a real daemon keeping its state in a real PostgreSQL. */
class PostgresStoreDaemonTest {
    @TempDir
    static Path dir;
    static EmbeddedPostgres postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        postgres.close();
    }

    @Test
    void aDeploymentKeptInPostgresIsReattachedAfterTheDaemonIsKilled() throws Exception {
        String url = postgres.url(postgres.createDatabase());
        Path data = dir.resolve("data");
        long pid;
        try (DaemonProcess first = DaemonProcess.start(data, "--store-url", url)) {
            EraClient client = first.unix();
            Deployment d = client.deploy("""
                    name: sleeper
                    engine: process
                    command: [sleep, "300"]
                    """, Duration.ofSeconds(30));
            assertThat(d.state()).as(d.message()).isEqualTo("RUNNING");
            pid = d.pid();
            assertThat(first.log()).contains("state store: PostgreSQL jdbc:postgresql://127.0.0.1:" + postgres.port());
            assertThat(data.resolve("era.db")).doesNotExist();
            first.kill9();

            try (DaemonProcess second = DaemonProcess.start(data, "--store-url", url)) {
                Deployment again = second.unix().get("sleeper");
                assertThat(again.state()).isEqualTo("RUNNING");
                assertThat(again.pid()).as("the same process, reattached").isEqualTo(pid);
                assertThat(second.unix().events(0, 1000).events()).extracting(e -> e.type()).contains("created");
                second.unix().delete("sleeper", Duration.ofSeconds(30));
            }
        }
    }

    @Test
    void anUnreachableStoreStopsTheStartWithWhatToCheckAndNoPassword() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(DaemonProcess.java(List.of("serve", "--data-dir", dir.resolve("bad").toString(),
                "--listen", "127.0.0.1:0", "--store-url", "postgres://era:hunter2@127.0.0.1:1/era?connectTimeout=2")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).as(err).isEqualTo(1);
        assertThat(err).contains("era serve: The PostgreSQL state store jdbc:postgresql://127.0.0.1:1/era?connectTimeout=2 as era")
                .contains("check that PostgreSQL runs").doesNotContain("hunter2");
    }
}
