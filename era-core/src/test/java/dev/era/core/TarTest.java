package dev.era.core;

import dev.era.api.StoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TarTest {
    @TempDir
    Path dir;

    private byte[] archive(Path root) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter.write(root, Channels.newChannel(out));
        return out.toByteArray();
    }

    @Test
    void aTreeRoundTripsWithContentModesTimesAndLinks() throws IOException {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(src.resolve("bin"));
        Files.writeString(src.resolve("bin/run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(src.resolve("bin/run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(src.resolve("bin/run.sh"), FileTime.fromMillis(1_700_000_000_000L));
        Files.write(src.resolve("empty"), new byte[0]);
        byte[] big = new byte[1_000_003];
        new java.util.Random(7).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        String longName = "d".repeat(90) + "/" + "f".repeat(120);
        Files.createDirectories(src.resolve("d".repeat(90)));
        Files.writeString(src.resolve(longName), "long");
        Files.createSymbolicLink(src.resolve("to-run"), Path.of("bin/run.sh"));
        Files.createSymbolicLink(src.resolve("abs-link"), Path.of("/etc/hostname"));
        Files.createDirectories(src.resolve("ro"));
        Files.setPosixFilePermissions(src.resolve("ro"), PosixFilePermissions.fromString("r-xr-xr-x"));

        Path dst = dir.resolve("dst");
        TarReader.extract(new ByteArrayInputStream(archive(src)), dst, false);

        assertThat(dst.resolve("bin/run.sh")).hasContent("#!/bin/sh\necho hi\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dst.resolve("bin/run.sh"))))
                .isEqualTo("rwxr-x---");
        assertThat(Files.getLastModifiedTime(dst.resolve("bin/run.sh")).toMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(dst.resolve("empty")).isEmptyFile();
        assertThat(Files.readAllBytes(dst.resolve("big.bin"))).isEqualTo(big);
        assertThat(dst.resolve(longName)).hasContent("long");
        assertThat(Files.readSymbolicLink(dst.resolve("to-run"))).isEqualTo(Path.of("bin/run.sh"));
        assertThat(Files.readSymbolicLink(dst.resolve("abs-link"))).isEqualTo(Path.of("/etc/hostname"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dst.resolve("ro")))).isEqualTo("r-xr-xr-x");
    }

    @Test
    void aGzippedArchiveIsRecognisedByItsFirstBytes() throws IOException {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "zipped");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(archive(src));
        }

        TarReader.extract(new ByteArrayInputStream(gz.toByteArray()), dir.resolve("dst"), false);

        assertThat(dir.resolve("dst/a.txt")).hasContent("zipped");
    }

    @Test
    void theWriterArchivesNothingOutsideTheRootThroughLinks() throws IOException {
        Path secret = Files.writeString(Files.createDirectories(dir.resolve("secret")).resolve("key"), "s3cr3t");
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.createSymbolicLink(src.resolve("dir-link"), secret.getParent());
        Files.createSymbolicLink(src.resolve("file-link"), secret);

        String tar = new String(archive(src), StandardCharsets.ISO_8859_1);

        assertThat(tar).doesNotContain("s3cr3t").contains("dir-link").contains("file-link");
    }

    @Test
    void anEntryClimbingOutWithDotDotFailsTheRestore() {
        byte[] evil = new Hostile().file("../escaped.txt", "x").end();

        assertThatThrownBy(() -> TarReader.extract(new ByteArrayInputStream(evil), dir.resolve("dst"), false))
                .isInstanceOf(StoreException.class).hasMessageContaining("'..'");
        assertThat(dir.resolve("escaped.txt")).doesNotExist();
    }

    @Test
    void anAbsoluteEntryFailsTheRestore() {
        Path target = dir.resolve("absolute.txt");
        byte[] evil = new Hostile().file(target.toString(), "x").end();

        assertThatThrownBy(() -> TarReader.extract(new ByteArrayInputStream(evil), dir.resolve("dst"), false))
                .isInstanceOf(StoreException.class).hasMessageContaining("absolute");
        assertThat(target).doesNotExist();
    }

    @Test
    void aFileBelowALinkFromTheSameArchiveIsNeverWrittenThroughIt() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        byte[] evil = new Hostile().link("sneaky", outside.toString()).file("sneaky/planted.txt", "x").end();

        try {
            TarReader.extract(new ByteArrayInputStream(evil), dir.resolve("dst"), false);
        } catch (StoreException | IOException refused) {
            // refusing is fine too; what matters is below
        }

        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void aLinkBelowALinkFromTheSameArchiveFailsTheRestore() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        byte[] evil = new Hostile().link("a", outside.toString()).link("a/b", "/etc/passwd").end();

        assertThatThrownBy(() -> TarReader.extract(new ByteArrayInputStream(evil), dir.resolve("dst"), false))
                .isInstanceOf(StoreException.class).hasMessageContaining("below a link");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void hardLinksAreRefusedAndSetUidBitsDropped() throws IOException {
        assertThatThrownBy(() -> TarReader.extract(new ByteArrayInputStream(new Hostile().hardLink("h", "/etc/shadow").end()),
                dir.resolve("dst"), false)).isInstanceOf(StoreException.class).hasMessageContaining("hard link");

        TarReader.extract(new ByteArrayInputStream(new Hostile().file("suid", "x", 04755).end()), dir.resolve("dst2"), false);
        assertThat((int) Files.getAttribute(dir.resolve("dst2/suid"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777)
                .isEqualTo(0755);
    }

    @Test
    void aDamagedHeaderOrATruncatedArchiveFailsTheRestore() {
        byte[] good = new Hostile().file("a", "hello").end();
        byte[] badSum = good.clone();
        badSum[0] = 'b';
        byte[] cut = java.util.Arrays.copyOf(good, 700);

        assertThatThrownBy(() -> TarReader.extract(new ByteArrayInputStream(badSum), dir.resolve("x"), false))
                .isInstanceOf(StoreException.class).hasMessageContaining("checksum");
        assertThatThrownBy(() -> TarReader.extract(new ByteArrayInputStream(cut), dir.resolve("y"), false))
                .isInstanceOf(StoreException.class);
    }

    /** Writes the archives ERA never writes. */
    private static final class Hostile {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Hostile file(String name, String content) {
            return file(name, content, 0644);
        }

        Hostile file(String name, String content, int mode) {
            byte[] body = content.getBytes(StandardCharsets.UTF_8);
            header(name, '0', mode, body.length, "");
            out.writeBytes(body);
            out.writeBytes(new byte[(512 - body.length % 512) % 512]);
            return this;
        }

        Hostile link(String name, String target) {
            header(name, '2', 0777, 0, target);
            return this;
        }

        Hostile hardLink(String name, String target) {
            header(name, '1', 0644, 0, target);
            return this;
        }

        byte[] end() {
            out.writeBytes(new byte[1024]);
            return out.toByteArray();
        }

        private void header(String name, char type, int mode, long size, String link) {
            byte[] h = new byte[512];
            put(h, 0, name);
            put(h, 100, String.format("%07o", mode));
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, String.format("%011o", size));
            put(h, 136, "00000000000");
            h[156] = (byte) type;
            put(h, 157, link);
            put(h, 257, "ustar");
            put(h, 263, "00");
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            int sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, String.format("%06o", sum));
            h[154] = 0;
            out.writeBytes(h);
        }

        private static void put(byte[] h, int at, String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(b, 0, h, at, b.length);
        }
    }
}
