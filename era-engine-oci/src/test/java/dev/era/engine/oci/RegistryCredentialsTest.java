package dev.era.engine.oci;

import dev.era.api.EngineException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The daemon's registry credentials file, and pulls through a registry that demands them. */
class RegistryCredentialsTest {
    @TempDir
    static Path shared;
    @TempDir
    Path dir;
    static TestRegistry registry;

    @BeforeAll
    static void pushImage() throws Exception {
        registry = TestRegistry.start(Files.createDirectories(shared.resolve("registry")));
        Path work = Files.createDirectories(shared.resolve("layers"));
        TestImages.push(new RegistryClient(Map.of()), ImageRef.parse(registry.host + "/private/app:1"),
                List.of(TestImages.fileLayer(work, "secret.txt", "s\n")), List.of("true"));
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        registry.close();
    }

    private Path file(String json) throws Exception {
        Path f = dir.resolve("registries.json");
        Files.writeString(f, json);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private OciEngine engine(RegistryCredentials creds) {
        return new OciEngine(Optional.of(dir.resolve("images")), new RegistryClient(creds.byRegistry()),
                new Runc("runc", dir.resolve("runc")), Clock.systemUTC());
    }

    @Test
    void dockerStyleEntriesAreReadAndTheSecretsNeverPrinted() throws Exception {
        String auth = Base64.getEncoder().encodeToString("bob:hunter2".getBytes(StandardCharsets.UTF_8));
        RegistryCredentials creds = RegistryCredentials.load(file("""
                {"auths": {"https://index.docker.io/v1/": {"auth": "%s"},
                           "ghcr.io": {"username": "me", "password": "ghp_topsecret"},
                           "registry.example.com": {"registrytoken": "tok_topsecret"}}}""".formatted(auth)));

        assertThat(creds.registries()).containsExactlyInAnyOrder("registry-1.docker.io", "ghcr.io", "registry.example.com");
        assertThat(creds.byRegistry().get("registry-1.docker.io")).isEqualTo(new RegistryAuth.Credentials("bob", "hunter2"));
        assertThat(creds + " " + creds.byRegistry()).doesNotContain("hunter2", "ghp_topsecret", "tok_topsecret", auth);
    }

    @Test
    void aMissingFileMeansNoCredentials() {
        assertThat(RegistryCredentials.load(dir.resolve("none.json")).registries()).isEmpty();
    }

    @Test
    void aFileOthersCanReadIsRefusedWithTheCommandThatFixesIt() throws Exception {
        Path f = file("{\"auths\": {}}");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> RegistryCredentials.load(f)).isInstanceOf(EngineException.class)
                .hasMessageContaining("chmod 600 " + f);
    }

    @Test
    void anEntryWithoutASecretOrABrokenFileSaysWhatToWrite() throws Exception {
        assertThatThrownBy(() -> RegistryCredentials.load(file("{\"auths\": {\"ghcr.io\": {\"username\": \"me\"}}}")))
                .isInstanceOf(EngineException.class).hasMessageContaining("'ghcr.io' needs \"username\" and \"password\"");
        assertThatThrownBy(() -> RegistryCredentials.load(file("{\"auths\": ")))
                .isInstanceOf(EngineException.class).hasMessageContaining("cannot be read as JSON");
    }

    @Test
    void basicCredentialsFromTheFileOpenARegistryThatDemandsThem() throws Exception {
        try (AuthProxy proxy = new AuthProxy(registry.host, AuthProxy.Mode.BASIC)) {
            String auth = Base64.getEncoder().encodeToString((AuthProxy.USER + ":" + AuthProxy.PASSWORD).getBytes(StandardCharsets.UTF_8));
            OciEngine engine = engine(RegistryCredentials.load(file("{\"auths\": {\"" + proxy.host + "\": {\"auth\": \"" + auth + "\"}}}")));

            assertThat(engine.pull(proxy.host + "/private/app:1", p -> { }).references()).containsExactly(proxy.host + "/private/app:1");
        }
    }

    @Test
    void aRegistryTokenIsSentAsBearerWithoutAskingATokenService() throws Exception {
        try (AuthProxy proxy = new AuthProxy(registry.host, AuthProxy.Mode.BEARER)) {
            OciEngine engine = engine(RegistryCredentials.load(file("{\"auths\": {\"" + proxy.host + "\": {\"registrytoken\": \""
                    + AuthProxy.TOKEN + "\"}}}")));

            engine.pull(proxy.host + "/private/app:1", p -> { });

            assertThat(proxy.tokenScopes).isEmpty();
        }
    }

    @Test
    void wrongCredentialsFailNamingTheUserButNeverThePassword() throws Exception {
        try (AuthProxy proxy = new AuthProxy(registry.host, AuthProxy.Mode.BEARER)) {
            OciEngine engine = engine(RegistryCredentials.load(file("{\"auths\": {\"" + proxy.host
                    + "\": {\"username\": \"mallory\", \"password\": \"not-the-password\"}}}")));

            assertThatThrownBy(() -> engine.pull(proxy.host + "/private/app:1", p -> { })).isInstanceOf(EngineException.class)
                    .hasMessageContaining("user 'mallory'").hasMessageNotContaining("not-the-password");
        }
    }
}
