package dev.era.http;

import dev.era.api.BadRequestException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** Directory work of {@link FakeSandboxService}: sandbox paths on the host, copies and removal. */
final class FakeDirs {
    private FakeDirs() {
    }

    /** Maps a sandbox path (absolute under /workspace, or relative to it) to the host; refuses escapes. */
    static Path hostDir(Path workspace, String path) {
        if (path.isEmpty()) {
            return workspace;
        }
        String rel;
        if (path.equals("/workspace") || path.startsWith("/workspace/")) {
            rel = path.substring("/workspace".length()).replaceFirst("^/+", "");
        } else if (path.startsWith("/")) {
            throw field("path", "'" + path + "' is outside /workspace (the fake serves only /workspace)");
        } else {
            rel = path;
        }
        Path p = workspace.resolve(rel).normalize();
        if (!p.startsWith(workspace)) {
            throw field("path", "'" + path + "' leaves /workspace");
        }
        return p;
    }

    static void copy(Path from, Path to) {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long size(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BadRequestException field(String name, String message) {
        return new BadRequestException("field '" + name + "' " + message, Map.of("field", name));
    }
}
