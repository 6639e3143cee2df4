package dev.era.os;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The daemon's side of a pseudo-terminal: its master descriptor and the bytes that cross it.
 *
 * <p>Two platform threads move the bytes, because read, write and poll on the master are blocking
 * native calls that would pin a virtual thread's carrier: one copies terminal output into a pipe
 * that {@link #output()} reads, one copies what is written to {@link #input()} onto the master
 * (waiting in slices while a program that reads no input has filled the terminal's queue, so that
 * {@link #close()} is seen). The master is closed when both have ended, so no call ever sees a
 * descriptor number reused.
 */
public final class TerminalMaster implements AutoCloseable {
    private static final int POLL_MILLIS = 100;
    private static final AtomicInteger COUNT = new AtomicInteger();

    private final int master;
    private final Pipe out;
    private final Pipe in;
    private final InputStream output;
    private final OutputStream input;
    private final Object lock = new Object();
    private boolean masterOpen = true; // guarded by lock
    private final AtomicInteger pumps = new AtomicInteger(2);
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean closing;

    /** Takes over {@code master}: from now on this closes it. */
    public TerminalMaster(int master) throws IOException {
        this.master = master;
        this.out = Pipe.open();
        this.in = Pipe.open();
        this.output = Channels.newInputStream(out.source());
        this.input = Channels.newOutputStream(in.sink());
    }

    /** Starts moving bytes; call once the other side holds the slave, or reading would see the terminal hung up. */
    public void start(String name) {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        int n = COUNT.incrementAndGet();
        Thread.ofPlatform().daemon().name(name + "-out-" + n).start(this::pumpOut);
        Thread.ofPlatform().daemon().name(name + "-in-" + n).start(this::pumpIn);
    }

    /** What the terminal shows; ends when every holder of the slave has closed it, or on {@link #close()}. */
    public InputStream output() {
        return output;
    }

    /** What is typed into the terminal. */
    public OutputStream input() {
        return input;
    }

    /** Sets the size; the kernel sends SIGWINCH to the terminal's foreground job. */
    public void resize(int rows, int cols) {
        synchronized (lock) {
            if (masterOpen) {
                Libc.setWindowSize(master, rows, cols);
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing = true;
        quietly(in.sink());
        quietly(in.source()); // wakes the input pump
        quietly(out.source()); // a pump blocked on a full pipe fails and ends
        if (started.compareAndSet(false, true)) { // never started: no pump will close the master
            pumpEnded();
            pumpEnded();
        }
    }

    private void pumpOut() {
        byte[] buffer = new byte[8192];
        try {
            while (!closing) {
                Libc.Result ready = Libc.poll(master, Libc.POLLIN, POLL_MILLIS);
                if (ready.failed() && ready.errno() != Libc.EINTR) {
                    break;
                }
                if (ready.failed() || ready.value() == 0) {
                    continue;
                }
                Libc.Result n = Libc.read(master, buffer);
                if (n.failed() && (n.errno() == Libc.EINTR || n.errno() == Libc.EAGAIN)) {
                    continue;
                }
                if (n.value() <= 0) {
                    break; // EIO: the last holder of the slave closed it
                }
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, (int) n.value());
                while (chunk.hasRemaining()) {
                    out.sink().write(chunk);
                }
            }
        } catch (IOException e) {
            // the reader closed the output: nobody wants it any more
        } finally {
            quietly(out.sink());
            pumpEnded();
        }
    }

    private void pumpIn() {
        ByteBuffer chunk = ByteBuffer.allocate(8192);
        try {
            while (in.source().read(chunk.clear()) >= 0) {
                int off = 0;
                while (off < chunk.position()) {
                    Libc.Result ready = Libc.poll(master, Libc.POLLOUT, POLL_MILLIS);
                    if (closing || ready.failed() && ready.errno() != Libc.EINTR) {
                        return;
                    }
                    if (ready.failed() || ready.value() == 0) {
                        continue;
                    }
                    Libc.Result n = Libc.write(master, chunk.array(), off, chunk.position() - off);
                    if (n.failed() && n.errno() != Libc.EINTR && n.errno() != Libc.EAGAIN) {
                        return; // EIO: the terminal's other side is gone
                    }
                    off += n.failed() ? 0 : (int) n.value();
                }
            }
        } catch (IOException e) {
            // closed: the session is over
        } finally {
            quietly(in.source());
            pumpEnded();
        }
    }

    private void pumpEnded() {
        if (pumps.decrementAndGet() == 0) {
            synchronized (lock) {
                masterOpen = false;
                Libc.close(master);
            }
        }
    }

    private static void quietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // freeing a descriptor: nothing is lost
        }
    }
}
