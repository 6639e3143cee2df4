package dev.era.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.era.http.EraServer;
import dev.era.http.FakeAuthenticator;
import dev.era.http.FakeDeploymentService;
import dev.era.http.FakeSandboxService;
import dev.era.http.HttpConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** era sandbox, era cp and era shell in-process against a real server backed by the fake sandbox service. */
class SandboxCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dataDir;
    @TempDir
    Path work;
    static FakeSandboxService fake;
    static EraServer server;

    record Run(int exit, byte[] stdout, String err) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out(), e);
            }
        }
    }

    @BeforeAll
    static void start() {
        fake = new FakeSandboxService(dataDir.resolve("sandboxes"));
        server = EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.of(dataDir.resolve("era.sock"))),
                new FakeDeploymentService(), fake, new FakeAuthenticator());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    static Run eraWithInput(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = EraCli.run(new Stdio(new ByteArrayInputStream(stdin), out, err),
                Map.of("ERA_DATA_DIR", dataDir.toString()), Path.of("/nonexistent-home"), args);
        return new Run(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs the CLI against the daemon of another data directory; returns its standard output. */
    static String eraWithDataDir(Path dir, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = EraCli.run(new Stdio(new ByteArrayInputStream(new byte[0]), out, err),
                Map.of("ERA_DATA_DIR", dir.toString()), Path.of("/nonexistent-home"), args);
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    static Run era(String... args) {
        return eraWithInput(new byte[0], args);
    }

    private static String create(String... options) {
        String[] args = new String[options.length + 3];
        args[0] = "sandbox";
        args[1] = "create";
        args[2] = "-q";
        System.arraycopy(options, 0, args, 3, options.length);
        Run r = era(args);
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out().trim();
    }

    @Test
    void createPassesEveryOptionAndPrintsTheSandbox() {
        Run r = era("sandbox", "create", "--name", "dev", "--memory", "512Mi", "--cpu", "1", "--pids", "256",
                "--network", "host", "--idle-timeout", "10m", "--env", "A=b", "-e", "C=d", "-l", "team=x");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).matches("sb-[0-9a-f]{12} \\(dev\\) is RUNNING\n");
        String id = r.out().substring(0, 15);
        JsonNode s = era("-o", "json", "sandbox", "get", id).json();
        assertThat(s.get("resources").get("memory").asLong()).isEqualTo(512L << 20);
        assertThat(s.get("resources").get("cpu").asDouble()).isEqualTo(1.0);
        assertThat(s.get("resources").get("pids").asInt()).isEqualTo(256);
        assertThat(s.get("network").asText()).isEqualTo("host");
        assertThat(s.get("idleTimeout").asText()).isEqualTo("10m");
        assertThat(s.get("env").get("A").asText()).isEqualTo("b");
        assertThat(s.get("env").get("C").asText()).isEqualTo("d");
        assertThat(s.get("labels").get("team").asText()).isEqualTo("x");
    }

    @Test
    void aBadOptionValueIsTheDaemonsMessage() {
        Run r = era("sandbox", "create", "--memory", "lots");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: field 'resources.memory'").contains("512Mi");
    }

    @Test
    void lsShowsATableAndJson() {
        assertThat(era("sandbox", "ls").out()).isEqualTo("no sandboxes\n");
        String id = create("--name", "dev", "--memory", "1Gi");

        String table = era("sandbox", "ls").out();
        assertThat(table.lines().findFirst().orElseThrow()).startsWith("ID").contains("STATE").contains("MEMORY");
        assertThat(table).contains(id).contains("dev").contains("RUNNING").contains("1Gi").contains("10m");
        assertThat(era("-o", "json", "sandbox", "ls").json().get(0).get("id").asText()).isEqualTo(id);
    }

    @Test
    void suspendResumeAndRm() {
        String id = create();

        assertThat(era("sandbox", "suspend", id).out()).isEqualTo(id + " is SUSPENDED\n");
        assertThat(era("sandbox", "resume", id).out()).isEqualTo(id + " is RUNNING\n");
        assertThat(era("sandbox", "rm", id).out()).isEqualTo(id + " deleted\n");
        Run gone = era("sandbox", "get", id);
        assertThat(gone.exit()).isEqualTo(1);
        assertThat(gone.err()).contains("there is no sandbox");
    }

    @Test
    void execStreamsStdoutAndStderrApartAndExitsWithTheCommandsCode() {
        String id = create();

        Run r = era("sandbox", "exec", id, "--", "echo out; echo err >&2; exit 7");

        assertThat(r.exit()).isEqualTo(7);
        assertThat(r.out()).isEqualTo("out\n");
        assertThat(r.err()).isEqualTo("err\n");
    }

    @Test
    void execPassesArgvEnvDirAndNamedShell() throws IOException {
        String id = create();
        Files.createDirectories(fake.workspace(id).resolve("sub"));

        Run r = era("sandbox", "exec", id, "-e", "X=1", "-w", "/workspace/sub", "--shell", "main", "--", "sh", "-c",
                "echo $X $(basename $PWD)");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("1 sub\n");
    }

    @Test
    void execPassesBinaryOutputThroughUnchanged() {
        String id = create();

        Run r = era("sandbox", "exec", id, "--", "printf '\\377\\000\\001'");

        assertThat(r.stdout()).containsExactly(0xff, 0, 1);
    }

    @Test
    void execWithStdinFeedsTheCommand() {
        String id = create();

        Run r = eraWithInput("piped text".getBytes(), "sandbox", "exec", "-i", id, "--", "tr a-z A-Z");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("PIPED TEXT");
    }

    @Test
    void execInAnUnknownSandboxFails() {
        Run r = era("sandbox", "exec", "sb-000000000000", "--", "true");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("there is no sandbox");
    }

    @Test
    void snapshotListAndCreateFromIt() throws IOException {
        String id = create();
        Files.writeString(fake.workspace(id).resolve("kept.txt"), "kept");

        Run snap = era("sandbox", "snapshot", id, "--name", "first");
        assertThat(snap.exit()).as(snap.err()).isZero();
        String sid = snap.out().split(" ")[0];
        assertThat(snap.out()).contains("complete").contains(id);
        assertThat(era("sandbox", "snapshots").out()).contains(sid).contains("first").contains("complete");

        String copy = create("--from-snapshot", sid);
        assertThat(Files.readString(fake.workspace(copy).resolve("kept.txt"))).isEqualTo("kept");
    }

    @Test
    void cpCopiesFilesBothWays() throws IOException {
        String id = create();
        Path local = work.resolve("in.bin");
        byte[] data = new byte[3 << 20];
        new java.util.Random(3).nextBytes(data);
        Files.write(local, data);

        Run up = era("cp", local.toString(), id + ":/workspace/dir/");
        assertThat(up.exit()).as(up.err()).isZero();
        assertThat(up.err()).isEqualTo("3Mi copied\n");
        assertThat(Files.readAllBytes(fake.workspace(id).resolve("dir/in.bin"))).isEqualTo(data);

        Path down = work.resolve("out");
        Files.createDirectories(down);
        assertThat(era("cp", id + ":dir/in.bin", down.toString()).exit()).isZero();
        assertThat(Files.readAllBytes(down.resolve("in.bin"))).isEqualTo(data);

        Run toStdout = era("cp", id + ":/workspace/dir/in.bin", "-");
        assertThat(toStdout.stdout()).isEqualTo(data);
        assertThat(eraWithInput("from stdin".getBytes(), "cp", "-", id + ":s.txt").exit()).isZero();
        assertThat(Files.readString(fake.workspace(id).resolve("s.txt"))).isEqualTo("from stdin");
    }

    @Test
    void cpNeedsExactlyOneSandboxSide() {
        assertThat(era("cp", "a", "b").exit()).isEqualTo(2);
        assertThat(era("cp", "sb-1:/a", "sb-2:/b").exit()).isEqualTo(2);
        assertThat(era("cp", "./a:b", "/tmp/x").exit()).isEqualTo(2);
        Run missing = era("cp", "sb-000000000000:/nope", work.resolve("x").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(work.resolve("x")).doesNotExist();
    }

    @Test
    void shellWithoutATerminalSaysHowToRunACommandInstead() {
        String id = create();

        Run r = era("shell", id);

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("needs a terminal").contains("era sandbox exec " + id);
        assertThat(fake.interactives()).isEmpty();
    }
}
