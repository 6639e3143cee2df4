package dev.era.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One real server per test class on an ephemeral TCP port and a Unix socket in a temp dir, backed
 * by the fake service (reset before each test). A 500 in any test fails it unless the test says it
 * expects one: a 500 is a bug.
 */
abstract class ApiTest {
    static final String[] KEY_A = {"Authorization", "Bearer " + FakeAuthenticator.KEY_A};
    static final String[] KEY_B = {"X-API-Key", FakeAuthenticator.KEY_B};
    static final String YAML = "application/yaml";

    @TempDir
    static Path dir;
    static final FakeDeploymentService fake = new FakeDeploymentService();
    static FakeSandboxService sandboxes;
    static final FakeAuthenticator auth = new FakeAuthenticator();
    static EraServer server;
    static TestHttp tcp;
    static TestHttp unix;

    private boolean internalErrorExpected;

    @BeforeAll
    static void startServer() {
        sandboxes = new FakeSandboxService(dir.resolve("sandboxes"));
        server = EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.of(dir.resolve("era.sock"))), fake, sandboxes,
                auth);
        tcp = TestHttp.tcp(server.tcpPort());
        unix = TestHttp.unix(server.unixSocket().orElseThrow());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void resetFake() {
        fake.reset();
        sandboxes.reset();
        auth.reset();
    }

    @AfterEach
    void noInternalErrors() {
        TestHttp.Reply metrics = unix.get("/metrics");
        if (!internalErrorExpected) {
            assertThat(metrics.text()).as("a 500 was answered during this test").doesNotContain("status=\"500\"");
        }
    }

    void expectInternalError() {
        internalErrorExpected = true;
    }

    static String[] with(String[] a, String... more) {
        String[] out = java.util.Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }

    /** Waits up to 5 s for a condition that another thread makes true. */
    static void eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.sleep(5);
        }
    }

    static String spec(String name) {
        return "name: " + name + "\ncommand: [\"sleep\", \"100\"]\n";
    }
}
