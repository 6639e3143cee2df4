package dev.era.cli;

import dev.era.api.PullProgress;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Shows a pull's progress: on a terminal, one line per layer redrawn in place with a bar; anywhere
 * else (a pipe, a CI log), a plain line per step and per quarter of a layer's bytes.
 */
sealed interface PullDisplay extends Consumer<PullProgress> {
    static PullDisplay of(boolean terminal, PrintWriter out) {
        return terminal ? new Live(out) : new Plain(out);
    }

    /** The short form of a digest people read: its first 12 hex digits. */
    static String shortDigest(String digest) {
        String hex = digest.startsWith("sha256:") ? digest.substring(7) : digest;
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    /** One line per layer, redrawn with ANSI cursor movement as bytes arrive. */
    final class Live implements PullDisplay {
        private static final int BAR = 30;
        private final PrintWriter out;
        private final Map<String, PullProgress.Layer> layers = new LinkedHashMap<>();
        private int drawn;

        Live(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void accept(PullProgress p) {
            switch (p) {
                case PullProgress.Resolved r -> {
                    out.println("pulling " + r.reference() + " (" + shortDigest(r.digest()) + ", " + r.layers().size() + " layers)");
                    r.layers().forEach(l -> layers.put(l.digest(), new PullProgress.Layer(l.digest(),
                            PullProgress.LayerState.DOWNLOADING, 0, l.sizeBytes())));
                    drawn = 0;
                }
                case PullProgress.Layer l -> layers.put(l.digest(), l);
            }
            redraw();
        }

        private void redraw() {
            StringBuilder s = new StringBuilder();
            if (drawn > 0) {
                s.append("\033[").append(drawn).append('F'); // back to the first layer line
            }
            for (PullProgress.Layer l : layers.values()) {
                s.append("\033[2K").append(line(l)).append('\n');
            }
            drawn = layers.size();
            out.print(s);
            out.flush();
        }

        static String line(PullProgress.Layer l) {
            String id = shortDigest(l.digest());
            return switch (l.state()) {
                case CACHED -> id + "  already here      " + Tables.size(l.sizeBytes());
                case UNPACKED -> id + "  done              " + Tables.size(l.sizeBytes());
                case DOWNLOADED -> id + "  verified, unpacking " + Tables.size(l.sizeBytes());
                case DOWNLOADING -> {
                    int filled = l.sizeBytes() > 0 ? (int) Math.min(BAR, l.doneBytes() * BAR / l.sizeBytes()) : 0;
                    yield id + "  [" + "=".repeat(filled) + (filled < BAR ? ">" + " ".repeat(BAR - filled - 1) : "") + "] "
                            + Tables.size(l.doneBytes()) + "/" + Tables.size(l.sizeBytes());
                }
            };
        }
    }

    /** A line per step, for logs: resolved, each layer at 25%, 50%, 75%, downloaded, unpacked or cached. */
    final class Plain implements PullDisplay {
        private final PrintWriter out;
        private final Map<String, Integer> quarters = new LinkedHashMap<>();

        Plain(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void accept(PullProgress p) {
            switch (p) {
                case PullProgress.Resolved r -> out.println("pulling " + r.reference() + " (" + r.digest() + ", "
                        + r.layers().size() + " layers)");
                case PullProgress.Layer l -> {
                    String id = shortDigest(l.digest());
                    switch (l.state()) {
                        case CACHED -> out.println(id + " already here (" + Tables.size(l.sizeBytes()) + ")");
                        case DOWNLOADED -> out.println(id + " downloaded and verified (" + Tables.size(l.sizeBytes()) + ")");
                        case UNPACKED -> out.println(id + " unpacked");
                        case DOWNLOADING -> {
                            int quarter = l.sizeBytes() > 0 ? (int) (l.doneBytes() * 4 / l.sizeBytes()) : 0;
                            if (quarter > 0 && quarter < 4 && quarter > quarters.getOrDefault(l.digest(), 0)) {
                                quarters.put(l.digest(), quarter);
                                out.println(id + " downloading " + Tables.size(l.doneBytes()) + "/" + Tables.size(l.sizeBytes())
                                        + " (" + quarter * 25 + "%)");
                            }
                        }
                    }
                }
            }
            out.flush();
        }
    }
}
