package dev.era.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The process's byte streams, for commands that pass a sandbox's output through unchanged
 * ({@code sandbox exec}, {@code cp}, {@code shell}); everything else writes text to picocli's writers.
 */
record Stdio(InputStream in, OutputStream out, OutputStream err) {
    /** Unbuffered file descriptors: a shell's output must reach the terminal as it arrives. */
    static Stdio system() {
        return new Stdio(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err));
    }

    /** True when standard output is this process's own and a terminal (not a pipe, a file or a test's writer). */
    boolean outIsTerminal() {
        try {
            return out instanceof FileOutputStream f && f.getFD() == FileDescriptor.out && System.console() != null
                    && System.console().isTerminal();
        } catch (IOException e) {
            return false;
        }
    }

    /** Byte streams that end up in text writers (tests that read the output as strings). */
    static Stdio of(InputStream in, PrintWriter out, PrintWriter err) {
        return new Stdio(in, new Utf8Writer(out), new Utf8Writer(err));
    }

    /** Decodes UTF-8 into a writer, keeping a character split between writes for the next one. */
    private static final class Utf8Writer extends OutputStream {
        private final PrintWriter writer;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private final ByteBuffer pending = ByteBuffer.allocate(8);

        Utf8Writer(PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            ByteBuffer in = ByteBuffer.allocate(pending.position() + len);
            in.put(pending.flip()).put(b, off, len).flip();
            pending.clear();
            CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
            decoder.decode(in, out, false);
            pending.put(in);
            writer.write(out.flip().toString());
        }

        @Override
        public void flush() throws IOException {
            writer.flush();
        }
    }
}
