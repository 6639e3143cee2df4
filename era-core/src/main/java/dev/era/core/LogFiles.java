package dev.era.core;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads and rotates the app output files that engines append to. Rotation is copy-then-truncate:
 * the app keeps its file descriptor (opened with O_APPEND) and goes on writing at the new end,
 * so no signal to the app and no pipe through the daemon is needed (the app survives a daemon
 * crash). A few bytes written between the copy and the truncate can be lost; that is the
 * documented price of not piping.
 */
final class LogFiles {
    static final long ROTATE_AT_BYTES = 10L << 20;
    static final int KEEP = 3;
    private static final int MAX_LINE = 16 * 1024;

    private LogFiles() {
    }

    /** The last {@code lines} lines of the file (empty when it does not exist). */
    static List<String> tail(Path file, int lines) {
        if (lines <= 0) {
            return List.of();
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long end = f.length();
            long pos = end;
            int newlines = 0;
            byte[] buf = new byte[8192];
            while (pos > 0 && newlines <= lines) {
                int n = (int) Math.min(buf.length, pos);
                pos -= n;
                f.seek(pos);
                f.readFully(buf, 0, n);
                for (int i = n - 1; i >= 0; i--) {
                    if (buf[i] == '\n' && (pos + i) != end - 1) {
                        newlines++;
                        if (newlines == lines) {
                            pos = pos + i + 1;
                            break;
                        }
                    }
                }
                if (newlines == lines) {
                    break;
                }
            }
            byte[] rest = new byte[(int) Math.min(end - pos, 4L << 20)];
            f.seek(end - rest.length);
            f.readFully(rest);
            List<String> out = new ArrayList<>();
            for (String l : new String(rest, StandardCharsets.UTF_8).split("\n", -1)) {
                out.add(clip(l));
            }
            if (!out.isEmpty() && out.getLast().isEmpty()) {
                out.removeLast();
            }
            return out.size() > lines ? out.subList(out.size() - lines, out.size()) : out;
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rotates {@code file} when it has grown past the limit: file -> file.1 -> file.2 ... */
    static boolean rotateIfLarge(Path file, long limit) {
        try {
            if (!Files.exists(file) || Files.size(file) < limit) {
                return false;
            }
            for (int i = KEEP - 1; i >= 1; i--) {
                Path from = file.resolveSibling(file.getFileName() + "." + i);
                if (Files.exists(from)) {
                    Files.move(from, file.resolveSibling(file.getFileName() + "." + (i + 1)),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.copy(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(0);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Follows a log file from {@code offset}, like {@code tail -F}: call {@link #poll} repeatedly;
     * it hands every complete new line to the sink and notices truncation by rotation.
     */
    static final class Follower {
        private final Path file;
        private final Consumer<String> sink;
        private long offset;
        private byte[] pending = new byte[0];

        Follower(Path file, long offset, Consumer<String> sink) {
            this.file = file;
            this.offset = offset;
            this.sink = sink;
        }

        static long size(Path file) {
            try {
                return Files.size(file);
            } catch (IOException e) {
                return 0;
            }
        }

        void poll() throws IOException {
            long size = size(file);
            if (size < offset) {
                offset = 0;
            }
            if (size == offset) {
                return;
            }
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                f.seek(offset);
                byte[] chunk = new byte[(int) Math.min(size - offset, 1 << 20)];
                f.readFully(chunk);
                offset += chunk.length;
                byte[] all = new byte[pending.length + chunk.length];
                System.arraycopy(pending, 0, all, 0, pending.length);
                System.arraycopy(chunk, 0, all, pending.length, chunk.length);
                int start = 0;
                for (int i = 0; i < all.length; i++) {
                    if (all[i] == '\n') {
                        sink.accept(clip(new String(all, start, i - start, StandardCharsets.UTF_8)));
                        start = i + 1;
                    }
                }
                pending = java.util.Arrays.copyOfRange(all, start, all.length);
                if (pending.length > MAX_LINE) {
                    sink.accept(clip(new String(pending, StandardCharsets.UTF_8)));
                    pending = new byte[0];
                }
            } catch (java.io.FileNotFoundException e) {
                offset = 0;
            }
        }
    }

    private static String clip(String line) {
        return line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "...[truncated]" : line;
    }
}
