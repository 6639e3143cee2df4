package dev.era.engine.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * Unpacks one layer blob (tar, tar+gzip or tar+zstd, told apart by their magic bytes) with GNU tar
 * (gzip is decompressed here, so that the uncompressed stream can be hashed on its way to tar),
 * which keeps numeric owners, modes, hard links and symlinks, refuses members that climb out with
 * {@code ..}, and defers symlinks that point outside; then turns the layer's whiteouts into
 * overlayfs form ({@link Whiteouts}). GNU tar is used rather than a Java tar reader because it has
 * handled these hostile-archive cases for decades.
 */
final class LayerUnpacker {
    private static final long TIMEOUT_MINUTES = 30;

    private LayerUnpacker() {
    }

    /**
     * Unpacks {@code blob} into {@code into} and checks that the uncompressed tar hashes to {@code diffId}
     * (the config's {@code rootfs.diff_ids} entry), which binds the config to the layers it describes.
     */
    static void unpack(Path blob, Path into, String diffId) throws IOException {
        byte[] magic;
        try (InputStream in = Files.newInputStream(blob)) {
            magic = in.readNBytes(4);
        }
        boolean gzip = magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
        boolean zstd = magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd;
        List<String> command = new ArrayList<>(List.of("tar", "--extract", "--numeric-owner", "--same-owner",
                "--same-permissions", "--no-overwrite-dir", "--delay-directory-restore", "--directory", into.toString()));
        // zstd has no JDK decoder: tar decompresses it, and its diff_id is not checked (the blob's digest still is)
        command.addAll(zstd ? List.of("--zstd", "--file", blob.toString()) : List.of("--file", "-"));
        Path log = into.resolveSibling(into.getFileName() + ".log");
        Process tar = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(zstd ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null")) : ProcessBuilder.Redirect.PIPE).start();
        String actual = "";
        if (!zstd) {
            MessageDigest md = Digest.sha256();
            try (InputStream raw = Files.newInputStream(blob);
                 InputStream in = new DigestInputStream(gzip ? new GZIPInputStream(raw, 1 << 16) : raw, md);
                 OutputStream out = tar.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                tar.destroyForcibly();
                throw new IOException("cannot feed the layer to tar: " + e.getMessage(), e);
            }
            actual = Digest.of(md);
        }
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
        String output = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8).strip() : "";
        Files.deleteIfExists(log);
        if (tar.exitValue() != 0) {
            throw new IOException("tar exited with " + tar.exitValue() + ": " + output + (zstd ? " (zstd layers need the zstd package)" : ""));
        }
        if (!zstd && !actual.equals(diffId)) {
            throw new DiffIdMismatchException(actual, diffId);
        }
        Whiteouts.convert(into);
    }

    /** The layer's content does not match the config's diff_id for it. */
    static final class DiffIdMismatchException extends IOException {
        DiffIdMismatchException(String actual, String expected) {
            super("its uncompressed content hashes to " + actual + " but the image config's diff_id for it is " + expected
                    + "; the image is inconsistent, refusing it");
        }
    }
}
