package dev.era.core;

import dev.era.api.BadRequestException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.era.core.SandboxFixture.ACME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The files calls of the service, on a sandbox whose own processes try to trick them. */
class SandboxFilesApiTest {
    @TempDir
    Path dir;
    SandboxFixture f;
    String sb;

    @BeforeEach
    void start() {
        f = new SandboxFixture(dir, SandboxFixture.config());
        sb = f.create(ACME).id();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private String read(String path) throws IOException {
        try (InputStream in = f.sandboxes.readFile(ACME, sb, path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void filesWrittenThroughTheApiAreSeenByCommandsAndTheOtherWayRound() throws IOException {
        f.sandboxes.writeFile(ACME, sb, "/workspace/in/data.csv", new ByteArrayInputStream("a,b\n".getBytes()));
        f.sh(ACME, sb, "cat in/data.csv | tr a-z A-Z > out.csv");

        assertThat(read("out.csv")).isEqualTo("A,B\n");
        assertThat(f.sandboxes.listFiles(ACME, sb, "/workspace")).extracting(FileEntry::name).containsExactly("in", "out.csv");
        f.sandboxes.mkdir(ACME, sb, "/home/user/.config");
        assertThat(f.sh(ACME, sb, "ls -a $HOME").stdout()).contains(".config");
        f.sandboxes.deleteFile(ACME, sb, "in", true);
        assertThat(f.sh(ACME, sb, "ls").stdout()).isEqualTo("out.csv\n");
    }

    @Test
    void aLinkTheSandboxMadeToTheHostIsNotFollowedForReadsOrWrites() throws IOException {
        Path secret = Files.writeString(dir.resolve("host-secret"), "host only");
        f.sh(ACME, sb, "ln -s " + secret + " leak && ln -s " + dir + " hostdir");

        assertThatThrownBy(() -> read("leak")).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> read("hostdir/host-secret")).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> f.sandboxes.writeFile(ACME, sb, "hostdir/planted", new ByteArrayInputStream(new byte[1])))
                .isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> f.sandboxes.writeFile(ACME, sb, "leak", new ByteArrayInputStream(new byte[1])))
                .isInstanceOf(BadRequestException.class);
        assertThat(secret).hasContent("host only");
        assertThat(dir.resolve("planted")).doesNotExist();
    }

    @Test
    void uploadsAndDownloadsWithDotDotOrPathsOutsideAreRefused() {
        for (String p : new String[] {"../../../../etc/passwd", "/workspace/../../x", "/etc/passwd", "/proc/1/root"}) {
            assertThatThrownBy(() -> read(p)).as(p).isInstanceOf(BadRequestException.class);
            assertThatThrownBy(() -> f.sandboxes.writeFile(ACME, sb, p, new ByteArrayInputStream(new byte[1]))).as(p)
                    .isInstanceOf(BadRequestException.class);
        }
    }

    @Test
    void aLargeUploadIsStreamedToDiskAndReadBack() throws IOException {
        byte[] chunk = new byte[1 << 20];
        java.util.Arrays.fill(chunk, (byte) 'x');
        InputStream big = new java.io.SequenceInputStream(java.util.Collections.enumeration(
                java.util.Collections.nCopies(40, chunk).stream().map(c -> (InputStream) new ByteArrayInputStream(c)).toList()));

        assertThat(f.sandboxes.writeFile(ACME, sb, "big.bin", big)).isEqualTo(40L << 20);
        assertThat(f.sh(ACME, sb, "stat -c %s big.bin").stdout()).isEqualTo((40L << 20) + "\n");
        try (InputStream in = f.sandboxes.readFile(ACME, sb, "big.bin")) {
            assertThat(in.transferTo(java.io.OutputStream.nullOutputStream())).isEqualTo(40L << 20);
        }
    }
}
