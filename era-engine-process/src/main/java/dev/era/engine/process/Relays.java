package dev.era.engine.process;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Makes a command's stdin safe for virtual threads. A blocking write of a plain
 * {@link java.io.FileOutputStream} pins a virtual thread's carrier (the JDK compensates only for the
 * streams of a {@link Process}), and a command that reads no input would hold it for good. So a
 * pooled platform thread does the blocking side and takes the bytes through an NIO {@link Pipe},
 * whose channels park a virtual thread instead (as {@link Pty} does for terminals).
 */
final class Relays {
    private static final int CHUNK = 64 * 1024;
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("era-exec-relay-", 0).factory());

    private Relays() {
    }

    /**
     * A stream into {@code blocking}, writable from any thread. The relay starts with the first write:
     * most commands get no input, and closing then closes {@code blocking} at once.
     */
    static OutputStream to(OutputStream blocking) {
        return new LazyOutput(blocking);
    }

    private static final class LazyOutput extends OutputStream {
        private final OutputStream blocking;
        private OutputStream relay; // guarded by this
        private boolean closed; // guarded by this

        LazyOutput(OutputStream blocking) {
            this.blocking = blocking;
        }

        private synchronized OutputStream relay() throws IOException {
            if (closed) {
                throw new IOException("stdin is closed");
            }
            if (relay == null) {
                Pipe pipe = Pipe.open();
                THREADS.execute(() -> {
                    ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
                    try (blocking; Pipe.SourceChannel source = pipe.source()) {
                        while (source.read(chunk.clear()) >= 0) {
                            blocking.write(chunk.array(), 0, chunk.position());
                        }
                    } catch (IOException e) {
                        // the command closed its stdin (or ended): the writer's next write fails
                    }
                });
                relay = Channels.newOutputStream(pipe.sink());
            }
            return relay;
        }

        @Override
        public void write(int b) throws IOException {
            relay().write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            relay().write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            OutputStream r;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                r = relay;
            }
            if (r == null) {
                blocking.close();
            } else {
                r.close(); // the relay closes blocking once it has moved what was written
            }
        }
    }
}
