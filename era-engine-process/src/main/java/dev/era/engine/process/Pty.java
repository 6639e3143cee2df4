package dev.era.engine.process;

import dev.era.os.Libc;
import dev.era.os.TerminalMaster;

import dev.era.api.EngineException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A pseudo-terminal allocated in the sandbox's own devpts, through FFM calls into libc: the master
 * is {@code /proc/<init>/root/dev/pts/ptmx} opened by the daemon, the slave is
 * {@code /proc/<init>/root/dev/pts/<n>}, handed to the child as its stdin, stdout and stderr and given
 * to the sandbox user. (libc's {@code openpty} would allocate on the host's /dev/pts, which the
 * sandbox does not see: {@code tty}, {@code ttyname} and a tmux client would then fail inside.)
 *
 * {@link TerminalMaster} moves the bytes.
 */
final class Pty implements AutoCloseable {
    private final TerminalMaster terminal;
    private final Path slave;

    private Pty(int master, Path slave) throws IOException {
        this.terminal = new TerminalMaster(master);
        this.slave = slave;
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
        terminal.start("era-pty");
    }

    /** What the terminal shows; ends when every holder of the slave has closed it, or on {@link #close()}. */
    InputStream output() {
        return terminal.output();
    }

    /** What is typed into the terminal. */
    OutputStream input() {
        return terminal.input();
    }

    void resize(int rows, int cols) {
        terminal.resize(rows, cols);
    }

    @Override
    public void close() {
        terminal.close();
    }
}
