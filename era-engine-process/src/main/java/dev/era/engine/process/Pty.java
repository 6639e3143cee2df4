package dev.era.engine.process;

import dev.era.os.Libc;

import dev.era.api.EngineException;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pseudo-terminal allocated in the sandbox's own devpts, through FFM calls into libc: the master
 * is {@code /proc/<init>/root/dev/pts/ptmx} opened by the daemon, the slave is
 * {@code /proc/<init>/root/dev/pts/<n>}, handed to the child as its stdin, stdout and stderr and given
 * to the sandbox user. (libc's {@code openpty} would allocate on the host's /dev/pts, which the
 * sandbox does not see: {@code tty}, {@code ttyname} and a tmux client would then fail inside.)
 *
 * <p>Two platform threads move the bytes, because read, write and poll on the master are blocking
 * native calls that would pin a virtual thread's carrier: one copies terminal output into a pipe
 * that {@link #output()} reads, one copies what is written to {@link #input()} onto the master. The
 * master is closed when both have ended, so no call ever sees a descriptor number reused.
 */
final class Pty implements AutoCloseable {
    private static final int POLL_MILLIS = 100;
    private static final AtomicInteger COUNT = new AtomicInteger();

    private final int master;
    private final Path slave;
    private final Pipe out;
    private final Pipe in;
    private final InputStream output;
    private final OutputStream input;
    private final Object lock = new Object();
    private boolean masterOpen = true; // guarded by lock
    private final AtomicInteger pumps = new AtomicInteger(2);
    private volatile boolean closing;
    private volatile boolean started;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Pty(int master, Path slave) throws IOException {
        this.master = master;
        this.slave = slave;
        this.out = Pipe.open();
        this.in = Pipe.open();
        this.output = Channels.newInputStream(out.source());
        this.input = Channels.newOutputStream(in.sink());
    }

    /** Allocates a terminal of {@code rows} x {@code cols} in the sandbox whose init is {@code initPid}. */
    static Pty open(long initPid, long initTicks, int uid, int gid, int rows, int cols) throws IOException {
        Path pts = Path.of("/proc", Long.toString(initPid), "root", "dev", "pts");
        Libc.Result fd = Libc.open(pts.resolve("ptmx").toString(), Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC | Libc.O_NOFOLLOW);
        if (fd.failed()) {
            throw new EngineException("cannot allocate a terminal in the sandbox (open " + pts.resolve("ptmx") + ": "
                    + Libc.describe(fd.errno()) + "); the sandbox may have just stopped", Map.of("pid", initPid));
        }
        int master = (int) fd.value();
        try {
            if (!ProcStat.alive(initPid, initTicks)) {
                throw new EngineException("the sandbox (pid " + initPid + ") stopped while a terminal was being allocated in it; "
                        + "start it again", Map.of("pid", initPid));
            }
            Libc.Result unlocked = Libc.ioctlInt(master, Libc.TIOCSPTLCK, 0);
            Libc.Result number = Libc.ioctlInt(master, Libc.TIOCGPTN, 0);
            if (unlocked.failed() || number.failed()) {
                throw new IOException("the sandbox's ptmx refused to unlock or number a terminal: "
                        + Libc.describe(unlocked.failed() ? unlocked.errno() : number.errno()));
            }
            Path slave = pts.resolve(Long.toString(number.value()));
            // the daemon opened ptmx, so the slave is root's; the sandbox user must be able to reopen it
            Files.setAttribute(slave, "unix:uid", uid);
            Files.setAttribute(slave, "unix:gid", gid);
            Libc.setWindowSize(master, rows, cols);
            return new Pty(master, slave);
        } catch (IOException | RuntimeException e) {
            Libc.close(master);
            throw e;
        }
    }

    /** The slave's path, for the child's redirects. */
    Path slave() {
        return slave;
    }

    /** Starts moving bytes; call once the child holds the slave, or reading would see the terminal hung up. */
    void start() {
        started = true;
        int n = COUNT.incrementAndGet();
        Thread.ofPlatform().daemon().name("era-pty-out-" + n).start(this::pumpOut);
        Thread.ofPlatform().daemon().name("era-pty-in-" + n).start(this::pumpIn);
    }

    /** What the terminal shows; ends when every holder of the slave has closed it, or on {@link #close()}. */
    InputStream output() {
        return output;
    }

    /** What is typed into the terminal. */
    OutputStream input() {
        return input;
    }

    void resize(int rows, int cols) {
        synchronized (lock) {
            if (masterOpen) {
                Libc.setWindowSize(master, rows, cols); // the kernel sends SIGWINCH to the foreground job
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
        if (!started) {
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
                    // a program that reads no input fills the terminal's queue: wait in slices, so that close() is seen
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
            // closed: the exec is over
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
