package dev.era.engine.oci;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Unpacks one layer blob (tar, tar+gzip or tar+zstd, told apart by their magic bytes) with GNU tar,
 * which keeps numeric owners, modes, hard links and symlinks, refuses members that climb out with
 * {@code ..}, and defers symlinks that point outside; then turns the layer's whiteouts into
 * overlayfs form ({@link Whiteouts}). GNU tar is used rather than a Java tar reader because it has
 * handled these hostile-archive cases for decades.
 */
final class LayerUnpacker {
    private static final long TIMEOUT_MINUTES = 30;

    private LayerUnpacker() {
    }

    static void unpack(Path blob, Path into) throws IOException {
        List<String> command = new ArrayList<>(List.of("tar", "--extract", "--numeric-owner", "--same-owner",
                "--same-permissions", "--no-overwrite-dir", "--delay-directory-restore", "--file", blob.toString(),
                "--directory", into.toString()));
        byte[] magic;
        try (InputStream in = Files.newInputStream(blob)) {
            magic = in.readNBytes(4);
        }
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            command.add("--gzip");
        } else if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            command.add("--zstd");
        }
        Process tar = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!tar.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                tar.destroyForcibly();
                throw new IOException("tar did not finish within " + TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            tar.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while unpacking", e);
        }
        if (tar.exitValue() != 0) {
            throw new IOException("tar exited with " + tar.exitValue() + ": " + output.strip()
                    + (command.contains("--zstd") ? " (zstd layers need the zstd package)" : ""));
        }
        Whiteouts.convert(into);
    }
}
