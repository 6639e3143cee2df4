package dev.era.client;

import dev.era.http.EraServer;
import dev.era.http.FakeAuthenticator;
import dev.era.http.FakeDeploymentService;
import dev.era.http.FakeSandboxService;
import dev.era.http.HttpConfig;
import dev.era.http.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sandbox SDK against a real server (Unix socket and TCP) backed by the fake sandbox service. */
class SandboxesTest {
    @TempDir
    static Path dir;
    @TempDir
    Path local;
    static FakeSandboxService fake;
    static EraServer server;
    static Sandboxes unix;
    static Sandboxes tcp;

    @BeforeAll
    static void start() {
        fake = new FakeSandboxService(dir.resolve("sandboxes"));
        // a short heartbeat: sessions below must answer the server's pings to stay open
        server = TestServers.start(new HttpConfig("127.0.0.1", 0, Optional.of(dir.resolve("era.sock"))),
                new FakeDeploymentService(), fake, new FakeAuthenticator(), Duration.ofMillis(100));
        unix = EraClient.unix(server.unixSocket().orElseThrow()).sandboxes();
        tcp = EraClient.tcp(URI.create("http://127.0.0.1:" + server.tcpPort()), FakeAuthenticator.KEY_A).sandboxes();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    @Test
    void createGetListSuspendResumeDelete() {
        Sandbox s = tcp.create(SandboxSpec.builder().name("dev").cpu(1.5).memory("512Mi").pids(256).network("host")
                .env("A", "b").label("team", "x").idleTimeout(Duration.ofMinutes(10)).build());

        assertThat(s.id()).matches("sb-[0-9a-f]{12}");
        assertThat(s.tenant()).isEqualTo("a");
        assertThat(s.running()).isTrue();
        assertThat(s.cpu()).isEqualTo(1.5);
        assertThat(s.memoryBytes()).isEqualTo(512L << 20);
        assertThat(s.pids()).isEqualTo(256);
        assertThat(s.network()).isEqualTo("host");
        assertThat(s.env()).containsEntry("A", "b");
        assertThat(s.labels()).containsEntry("team", "x");
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(tcp.get(s.id()).name()).isEqualTo("dev");
        assertThat(tcp.list()).extracting(Sandbox::id).containsExactly(s.id());
        assertThat(tcp.suspend(s.id()).state()).isEqualTo("SUSPENDED");
        assertThat(tcp.resume(s.id()).state()).isEqualTo("RUNNING");
        assertThat(tcp.keepAlive(s.id()).lastActivity()).isAfterOrEqualTo(s.lastActivity());
        assertThat(tcp.delete(s.id()).state()).isEqualTo("DELETED");
        assertThatThrownBy(() -> tcp.get(s.id())).isInstanceOfSatisfying(EraClientException.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.code()).isEqualTo("not_found");
        });
    }

    @Test
    void aBadSpecValueIsReportedWithItsField() {
        assertThatThrownBy(() -> unix.create(SandboxSpec.builder().memory("lots").build()))
                .isInstanceOfSatisfying(EraClientException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.details().path("field").asText()).isEqualTo("resources.memory");
                });
    }

    @Test
    void anotherTenantsSandboxIsNotFound() {
        String id = tcp.create(SandboxSpec.builder().build()).id();
        Sandboxes b = EraClient.tcp(URI.create("http://127.0.0.1:" + server.tcpPort()), FakeAuthenticator.KEY_B)
                .sandboxes();

        assertThatThrownBy(() -> b.execSync(id, ExecSpec.shell("true")))
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> b.attach(id, AttachOptions.pipes("true"), c -> { }))
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void execSyncAndAsync() throws InterruptedException {
        String id = unix.create(SandboxSpec.builder().build()).id();

        Execution sync = unix.execSync(id, ExecSpec.shell("echo $X; echo e >&2; exit 2").withEnv(java.util.Map.of("X", "1")));
        assertThat(sync.exitCode()).isEqualTo(2);
        assertThat(sync.stdout()).isEqualTo("1\n");
        assertThat(sync.stderr()).isEqualTo("e\n");
        assertThat(sync.finished()).isTrue();

        Execution started = unix.execAsync(id, ExecSpec.argv("sh", "-c", "read line; echo got $line"));
        assertThat(started.finished()).isFalse();
        assertThat(started.exitCode()).isEqualTo(-1);
        unix.sendStdin(id, started.executionId(), "abc\n".getBytes(), true);
        Execution done = unix.await(id, started.executionId(), Duration.ofSeconds(10));
        assertThat(done.stdout()).isEqualTo("got abc\n");
        assertThat(unix.execution(id, started.executionId()).exitCode()).isZero();
        assertThat(unix.executions(id)).hasSize(2);

        Execution sleeper = unix.execAsync(id, ExecSpec.shell("sleep 30"));
        assertThat(unix.kill(id, sleeper.executionId()).status()).isEqualTo("killed");
    }

    @Test
    void outputDeliversEveryByteInOrderThenTheExitCode() throws Exception {
        String id = tcp.create(SandboxSpec.builder().build()).id();
        Execution e = tcp.execAsync(id, ExecSpec.shell("for i in $(seq 1 2000); do echo line $i; done; echo err >&2;"
                + " exit 7"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = tcp.output(id, e.executionId(), c -> {
            switch (c.kind()) {
                case STDOUT -> {
                    assertThat(c.offset()).isEqualTo(out.size());
                    out.writeBytes(c.data());
                }
                case STDERR -> err.writeBytes(c.data());
                case STATUS -> { }
            }
        });

        assertThat(code).isEqualTo(7);
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).hasSize(2000).endsWith("line 2000");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("err\n");
    }

    @Test
    void followOutputResumesFromOffsets() throws Exception {
        String id = unix.create(SandboxSpec.builder().build()).id();
        Execution e = unix.execAsync(id, ExecSpec.shell("printf 0123456789"));
        unix.await(id, e.executionId(), Duration.ofSeconds(10));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int[] exit = {-1};

        try (Subscription s = unix.followOutput(id, e.executionId(), 6, 0, c -> {
            got.writeBytes(c.data());
            if (c.end()) {
                exit[0] = c.exitCode();
            }
        })) {
            assertThat(s.join(Duration.ofSeconds(10))).isTrue();
        }

        assertThat(got.toString(StandardCharsets.UTF_8)).isEqualTo("6789");
        assertThat(exit[0]).isZero();
    }

    @Test
    void aLargeFileUploadsAndDownloadsStreamed() throws Exception {
        String id = tcp.create(SandboxSpec.builder().build()).id();
        Path src = local.resolve("src.bin");
        try (OutputStream out = Files.newOutputStream(src)) {
            byte[] block = new byte[1 << 20];
            for (int i = 0; i < 20; i++) {
                java.util.Arrays.fill(block, (byte) i);
                out.write(block);
            }
        }

        assertThat(tcp.upload(id, src, "/workspace/data/big.bin")).isEqualTo(20L << 20);
        Path back = local.resolve("back.bin");
        assertThat(tcp.download(id, "/workspace/data/big.bin", back)).isEqualTo(20L << 20);

        assertThat(sha256(back)).isEqualTo(sha256(src));
        assertThat(sha256(fake.workspace(id).resolve("data/big.bin"))).isEqualTo(sha256(src));
        try (var leftovers = Files.list(local)) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("src.bin", "back.bin");
        }
    }

    @Test
    void aStreamOfUnknownLengthUploadsChunked() {
        String id = unix.create(SandboxSpec.builder().build()).id();
        byte[] data = new byte[3 << 20];
        new java.util.Random(1).nextBytes(data);

        assertThat(unix.upload(id, new ByteArrayInputStream(data), -1, "x.bin")).isEqualTo(data.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(unix.download(id, "x.bin", out)).isEqualTo(data.length);
        assertThat(out.toByteArray()).isEqualTo(data);
    }

    @Test
    void aMissingFileFailsTheDownloadAndLeavesNoLocalFile() {
        String id = unix.create(SandboxSpec.builder().build()).id();
        Path target = local.resolve("none.bin");

        assertThatThrownBy(() -> unix.download(id, "nope.bin", target))
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThat(local.toFile().list()).isEmpty();
    }

    @Test
    void anUploadToAnUnknownSandboxIsNotFound() {
        assertThatThrownBy(() -> unix.upload("sb-000000000000", new ByteArrayInputStream(new byte[5 << 20]), 5 << 20,
                "x")).isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void listMkdirAndDeleteFiles() throws IOException {
        String id = unix.create(SandboxSpec.builder().build()).id();
        unix.mkdir(id, "/workspace/a/b");
        unix.upload(id, new ByteArrayInputStream("hi".getBytes()), 2, "/workspace/a/f.txt");

        List<FileEntry> entries = unix.listFiles(id, "/workspace/a");
        assertThat(entries).extracting(FileEntry::name).containsExactly("b", "f.txt");
        assertThat(entries.get(0).directory()).isTrue();
        assertThat(entries.get(1).size()).isEqualTo(2);
        assertThat(unix.listFiles(id, "")).extracting(FileEntry::path).containsExactly("/workspace/a");

        assertThatThrownBy(() -> unix.deleteFile(id, "/workspace/a", false))
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(409));
        unix.deleteFile(id, "/workspace/a", true);
        assertThat(unix.listFiles(id, "")).isEmpty();
    }

    @Test
    void snapshotsAndASandboxFromOne() throws Exception {
        String id = tcp.create(SandboxSpec.builder().build()).id();
        tcp.upload(id, new ByteArrayInputStream("kept".getBytes()), 4, "notes.txt");

        Snapshot s = tcp.snapshot(id, "first", false);
        assertThat(s.status()).isEqualTo("complete");
        assertThat(tcp.snapshots()).extracting(Snapshot::id).containsExactly(s.id());
        assertThat(tcp.snapshotInfo(s.id()).name()).isEqualTo("first");

        String copy = tcp.create(SandboxSpec.builder().fromSnapshot(s.id()).build()).id();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        tcp.download(copy, "notes.txt", out);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("kept");

        Snapshot async = tcp.snapshot(id, "second", true);
        assertThat(async.status()).isIn("in_progress", "complete");
        tcp.deleteSnapshot(s.id());
        assertThatThrownBy(() -> tcp.snapshotInfo(s.id())).isInstanceOf(EraClientException.class);
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) != -1; ) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
