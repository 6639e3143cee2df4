package dev.era.core;

import dev.era.api.BadRequestException;
import dev.era.api.ConflictException;
import dev.era.api.NotFoundException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The files API's operations and its path checks, on plain directories standing in for a sandbox's roots. */
class SandboxFilesTest {
    @TempDir
    Path dir;
    Path workspace;
    Path tmp;
    Path outside;
    Map<String, Path> roots;
    SandboxFiles files;

    @BeforeEach
    void roots() throws IOException {
        workspace = Files.createDirectories(dir.resolve("volumes/workspace"));
        tmp = Files.createDirectories(dir.resolve("volumes/tmp"));
        outside = Files.createDirectories(dir.resolve("host-secrets"));
        Files.writeString(outside.resolve("shadow"), "root:hash");
        roots = new LinkedHashMap<>();
        roots.put("/workspace", workspace);
        roots.put("/tmp", tmp);
        files = new SandboxFiles(Files.createDirectories(dir.resolve("staging")));
    }

    private long write(String path, String text) {
        return files.write(roots, path, new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private String read(String path) throws IOException {
        try (InputStream in = files.read(roots, path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void writeCreatesParentsAndReadListAndDeleteSeeIt() throws IOException {
        assertThat(write("src/app/main.py", "print(1)\n")).isEqualTo(9);

        assertThat(read("/workspace/src/app/main.py")).isEqualTo("print(1)\n");
        assertThat(files.list(roots, "src/app")).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("/workspace/src/app/main.py");
            assertThat(e.name()).isEqualTo("main.py");
            assertThat(e.directory()).isFalse();
            assertThat(e.size()).isEqualTo(9);
            assertThat(e.mode()).isEqualTo(0644);
        });
        assertThat(files.list(roots, "/workspace")).extracting(FileEntry::name).containsExactly("src");
        assertThat(files.list(roots, "/")).extracting(FileEntry::path).containsExactly("/tmp", "/workspace");
        assertThat(Files.readString(workspace.resolve("src/app/main.py"))).isEqualTo("print(1)\n");

        files.delete(roots, "src", true);
        assertThat(workspace).isEmptyDirectory();
        assertThat(dir.resolve("staging")).isEmptyDirectory();
    }

    @Test
    void writingAgainReplacesTheContentAndKeepsTheMode() throws IOException {
        write("run.sh", "echo 1");
        Files.setPosixFilePermissions(workspace.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-x---"));

        write("run.sh", "echo 2");

        assertThat(read("run.sh")).isEqualTo("echo 2");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(workspace.resolve("run.sh"))))
                .isEqualTo("rwxr-x---");
    }

    @Test
    void mkdirMakesParentsAndIsIdempotent() {
        files.mkdir(roots, "/tmp/a/b/c");
        files.mkdir(roots, "/tmp/a/b/c");

        assertThat(tmp.resolve("a/b/c")).isDirectory();
        assertThat(files.list(roots, "/tmp/a/b")).singleElement().satisfies(e -> {
            assertThat(e.directory()).isTrue();
            assertThat(e.mode()).isEqualTo(0755);
        });
    }

    @Test
    void deletingANonEmptyDirectoryNeedsRecursiveAndARootCannotBeDeleted() {
        write("d/f", "x");

        assertThatThrownBy(() -> files.delete(roots, "d", false)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("not empty");
        assertThatThrownBy(() -> files.delete(roots, "/workspace", true)).isInstanceOf(BadRequestException.class);
        files.delete(roots, "d/f", false);
        files.delete(roots, "d", false);
        assertThat(workspace).isEmptyDirectory();
    }

    @Test
    void missingFilesAreNotFoundAndDirectoriesAreNotFiles() {
        write("d/f", "x");

        assertThatThrownBy(() -> read("nope")).isInstanceOf(NotFoundException.class).hasMessageContaining("/workspace/nope");
        assertThatThrownBy(() -> files.list(roots, "nope/deeper")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> read("d")).isInstanceOf(BadRequestException.class).hasMessageContaining("is a directory");
        assertThatThrownBy(() -> write("d", "x")).isInstanceOf(BadRequestException.class).hasMessageContaining("is a directory");
        assertThatThrownBy(() -> write("d/f/g", "x")).isInstanceOf(BadRequestException.class).hasMessageContaining("not a directory");
    }

    // ---- escapes --------------------------------------------------------------------------------

    @Test
    void dotDotIsRefusedAnywhereInAPath() {
        for (String p : new String[] {"../host-secrets/shadow", "/workspace/../../host-secrets/shadow", "a/../../x",
                "/workspace/a/..", ".."}) {
            assertThatThrownBy(() -> read(p)).as(p).isInstanceOf(BadRequestException.class).hasMessageContaining("'..'");
            assertThatThrownBy(() -> write(p, "x")).as(p).isInstanceOf(BadRequestException.class);
            assertThatThrownBy(() -> files.mkdir(roots, p)).as(p).isInstanceOf(BadRequestException.class);
            assertThatThrownBy(() -> files.delete(roots, p, true)).as(p).isInstanceOf(BadRequestException.class);
        }
        assertThat(outside.resolve("shadow")).hasContent("root:hash");
    }

    @Test
    void absolutePathsOutsideTheRootsAreRefused() {
        for (String p : new String[] {"/etc/shadow", "/proc/self/environ", "/workspaces/x", "/tmpx",
                "/"}) {
            assertThatThrownBy(() -> read(p)).as(p).isInstanceOf(BadRequestException.class)
                    .hasMessageContaining("outside the sandbox's files");
        }
        assertThatThrownBy(() -> write("/etc/cron.d/evil", "x")).isInstanceOf(BadRequestException.class);
        assertThat(Files.exists(Path.of("/etc/cron.d/evil"))).isFalse();
    }

    @Test
    void aSymlinkToAFileOutsideIsNeitherReadNorWrittenThrough() throws IOException {
        Files.createSymbolicLink(workspace.resolve("shadow"), outside.resolve("shadow"));

        assertThatThrownBy(() -> read("shadow")).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> write("shadow", "owned")).isInstanceOf(BadRequestException.class);
        assertThat(outside.resolve("shadow")).hasContent("root:hash");
    }

    @Test
    void aSymlinkedDirectoryOnTheWayIsNeverFollowed() throws IOException {
        Files.createSymbolicLink(workspace.resolve("escape"), outside);

        assertThatThrownBy(() -> read("escape/shadow")).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("/workspace/escape is a symbolic link");
        assertThatThrownBy(() -> write("escape/planted", "x")).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> files.mkdir(roots, "escape/newdir")).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> files.list(roots, "escape")).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> files.delete(roots, "escape/shadow", false)).isInstanceOf(BadRequestException.class);
        assertThat(outside).isDirectoryContaining(p -> p.getFileName().toString().equals("shadow"));
        assertThat(Files.exists(outside.resolve("planted"))).isFalse();
        assertThat(Files.exists(outside.resolve("newdir"))).isFalse();
    }

    @Test
    void aRelativeSymlinkClimbingOutIsRefusedToo() throws IOException {
        Files.createDirectories(workspace.resolve("a"));
        Files.createSymbolicLink(workspace.resolve("a/up"), Path.of("../../../host-secrets"));

        assertThatThrownBy(() -> read("a/up/shadow")).isInstanceOf(BadRequestException.class);
    }

    @Test
    void deletingASymlinkRemovesTheLinkNotItsTarget() throws IOException {
        Files.createSymbolicLink(workspace.resolve("link"), outside);
        Files.createDirectories(workspace.resolve("tree"));
        Files.createSymbolicLink(workspace.resolve("tree/inner"), outside);

        files.delete(roots, "link", false);
        files.delete(roots, "tree", true);

        assertThat(workspace).isEmptyDirectory();
        assertThat(outside.resolve("shadow")).hasContent("root:hash");
    }

    @Test
    void listingShowsLinksAsEntriesWithoutFollowingThem() throws IOException {
        Files.createSymbolicLink(workspace.resolve("link"), outside);

        assertThat(files.list(roots, "/workspace")).singleElement().satisfies(e -> assertThat(e.directory()).isFalse());
    }

    @Test
    void aPipeIsNotReadAsAFile() throws Exception {
        Process p = new ProcessBuilder("mkfifo", workspace.resolve("fifo").toString()).start();
        assertThat(p.waitFor()).isZero();

        assertThatThrownBy(() -> read("fifo")).isInstanceOf(BadRequestException.class).hasMessageContaining("not a regular file");
    }

    @Test
    void aDirectorySwappedForALinkWhileTheApiWorksNeverLetsAWriteOut() throws Exception {
        // the sandbox's processes race the daemon: a directory on the path becomes a link to the host
        // and back, over and over, while files are written, made, listed and deleted through it. A
        // race is hit rarely, so passing proves little on its own; the openat walk is the defence,
        // and this checks that nothing but refusals come out of it under churn.
        Path d = Files.createDirectories(workspace.resolve("d"));
        Path real = workspace.resolve("d.real");
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread racer = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                try {
                    Files.move(d, real);
                    Files.createSymbolicLink(d, outside);
                    Thread.onSpinWait();
                    Files.delete(d);
                    Files.move(real, d);
                } catch (IOException e) {
                    // a step lost the race with the API's own change; go on
                }
            }
        });
        try {
            for (int i = 0; i < 100; i++) {
                String name = "f" + i;
                for (Runnable op : new Runnable[] {
                        () -> write("d/" + name, "planted"),
                        () -> files.mkdir(roots, "d/dir" + name),
                        () -> files.list(roots, "d"),
                        () -> files.delete(roots, "d/" + name, true)}) {
                    try {
                        op.run();
                    } catch (dev.era.api.EraException expected) {
                        // refused or not found: both fine
                    }
                }
            }
        } finally {
            stop.set(true);
            racer.join();
        }
        try (var listing = Files.list(outside)) {
            assertThat(listing.map(p -> p.getFileName().toString()).toList()).containsExactly("shadow");
        }
        assertThat(outside.resolve("shadow")).hasContent("root:hash");
    }

    @Test
    void nulBytesAndOverlongPathsAreRefused() {
        assertThatThrownBy(() -> read("a\0b")).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> read("a/".repeat(3000))).isInstanceOf(BadRequestException.class);
    }
}
