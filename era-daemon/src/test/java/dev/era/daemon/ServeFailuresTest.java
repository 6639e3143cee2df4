package dev.era.daemon;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code era serve} that cannot start says why, with exit code 1 (or 2 for a bad option), and leaves nothing running. */
class ServeFailuresTest {
    @TempDir
    Path dir;

    @Test
    void aTakenPortIsReportedWithTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Result r = serve(dir.resolve("a"), "127.0.0.1:" + taken.getLocalPort());

            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).contains("era serve: cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .doesNotContain("Exception");
        }
    }

    @Test
    void aSecondDaemonOnTheSameDataDirectoryIsRefused() throws Exception {
        try (DaemonProcess first = DaemonProcess.start(dir)) {
            Result r = serve(dir, "127.0.0.1:0");

            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            // refused before the store is opened or an engine loaded: nothing logged, nothing recovered
            assertThat(r.err().lines().toList()).singleElement().asString()
                    .startsWith("era serve: another ERA daemon uses the data directory " + dir);
            assertThat(first.unix().health()).isEqualTo("ok");
        }
    }

    @Test
    void aMalformedListenAddressIsAUsageError() {
        for (String listen : List.of("7878", "localhost:http", "127.0.0.1:70000", "none")) {
            PrintStream err = System.err;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            int exit;
            try {
                System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
                String[] args = {"--data-dir", dir.toString(), "serve", "--listen", listen};
                CommandLine cl = Main.commandLine(args);
                exit = cl.execute(args);
            } finally {
                System.setErr(err);
            }
            assertThat(exit).as(listen).isEqualTo(2);
            assertThat(captured.toString(StandardCharsets.UTF_8)).as(listen).contains("--listen");
        }
    }

    @Test
    void aRegistryCredentialsFileOthersCanReadStopsTheStartWithTheFix() throws Exception {
        Path data = java.nio.file.Files.createDirectories(dir.resolve("creds"));
        Path auth = java.nio.file.Files.writeString(data.resolve(DaemonConfig.REGISTRY_AUTH),
                "{\"auths\": {\"ghcr.io\": {\"username\": \"me\", \"password\": \"hunter2\"}}}");
        java.nio.file.Files.setPosixFilePermissions(auth, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

        Result r = serve(data, "127.0.0.1:0");

        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("era serve: registry credentials file " + auth).contains("chmod 600")
                .doesNotContain("hunter2");
    }

    private record Result(int exit, String err) {}

    private static Result serve(Path dataDir, String listen) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(DaemonProcess.java(List.of("serve", "--data-dir", dataDir.toString(),
                "--listen", listen))).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("serve exits by itself").isTrue();
            return new Result(p.exitValue(), err);
        } finally {
            p.destroyForcibly();
        }
    }
}
