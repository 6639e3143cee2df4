package dev.era.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The few libc calls ERA's engines need that the JDK does not offer, through the FFM API: terminal
 * file descriptors (open, read, write, poll, ioctl, fchown, close), {@code kill} of a process group,
 * bind mounts, pipes, and Unix sockets that pass descriptors ({@code SCM_RIGHTS}). Each call returns its raw result and the {@code errno} it left, so that callers
 * can retry on {@code EINTR} and tell {@code EIO} (the terminal's other side is gone) apart.
 *
 * <p>Calls that can block ({@link #read}, {@link #write}, {@link #poll}) must run on platform
 * threads: a virtual thread inside a native call pins its carrier.
 */
public final class Libc {
    public static final int EPERM = 1;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EAGAIN = 11;
    public static final int ENOENT = 2;
    public static final int ECONNREFUSED = 111;

    public static final int O_RDWR = 0x2;
    public static final int O_NOCTTY = 0x100;
    public static final int O_NOFOLLOW = 0x20000;
    public static final int O_CLOEXEC = 0x80000;

    public static final long TIOCSWINSZ = 0x5414;
    public static final long TIOCGWINSZ = 0x5413;
    public static final long TIOCGPTN = 0x80045430L;
    public static final long TIOCSPTLCK = 0x40045431L;

    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;

    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(struct sockaddr_un): a family and 108 bytes of path. */
    private static final int SOCKADDR_UN = 110;

    public static final long MS_BIND = 4096;
    public static final int MNT_DETACH = 2;

    /** A call's return value and the errno it set (meaningful only when the value is -1). */
    public record Result(long value, int errno) {
        public boolean failed() {
            return value == -1;
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = function("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = function("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = function("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = function("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle IOCTL = function("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCHOWN = function("fchown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle KILL = function("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MOUNT = function("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = function("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PIPE2 = function("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SOCKET = function("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CONNECT = function("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG = function("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

    /** struct pollfd { int fd; short events; short revents; } */
    private static final StructLayout POLLFD = MemoryLayout.structLayout(JAVA_INT.withName("fd"),
            JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));

    private Libc() {
    }

    private static MethodHandle function(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE;
        System.arraycopy(options, 0, all, 1, options.length);
        MemorySegment symbol = LOOKUP.find(name).orElseThrow(
                () -> new IllegalStateException("libc has no symbol " + name + "; the process engine needs glibc or musl"));
        return LINKER.downcallHandle(symbol, descriptor, all);
    }

    private static Result result(long value, MemorySegment state) {
        return new Result(value, value == -1 ? (int) ERRNO.get(state, 0L) : 0);
    }

    /** Turns a failure of a call that must not fail into an exception naming the call and errno. */
    private static IllegalStateException unexpected(String call, Throwable t) {
        return new IllegalStateException("libc " + call + " could not be called (a bug in its binding): " + t, t);
    }

    public static Result open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            return result((int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, 0), state);
        } catch (Throwable t) {
            throw unexpected("open", t);
        }
    }

    /** Reads up to {@code buffer.length} bytes; the value is the count, 0 at end of file. */
    public static Result read(int fd, byte[] buffer) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment buf = arena.allocate(buffer.length);
            Result r = result((long) READ.invokeExact(state, fd, buf, (long) buffer.length), state);
            if (r.value() > 0) {
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, buffer, 0, (int) r.value());
            }
            return r;
        } catch (Throwable t) {
            throw unexpected("read", t);
        }
    }

    public static Result write(int fd, byte[] buffer, int offset, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment buf = arena.allocate(Math.max(1, length));
            MemorySegment.copy(buffer, offset, buf, ValueLayout.JAVA_BYTE, 0, length);
            return result((long) WRITE.invokeExact(state, fd, buf, (long) length), state);
        } catch (Throwable t) {
            throw unexpected("write", t);
        }
    }

    public static Result close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            return result((int) CLOSE.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw unexpected("close", t);
        }
    }

    /** Waits up to {@code timeoutMillis} for {@code events} on {@code fd}; the value is the revents (0 on timeout). */
    public static Result poll(int fd, short events, int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment pollfd = arena.allocate(POLLFD);
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(JAVA_SHORT, 4, events);
            Result r = result((int) POLL.invokeExact(state, pollfd, 1L, timeoutMillis), state);
            return r.failed() ? r : new Result(pollfd.get(JAVA_SHORT, 6), 0);
        } catch (Throwable t) {
            throw unexpected("poll", t);
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for {@code events} on any of {@code fds} (a negative entry is
     * skipped, as poll(2) does); sets {@code revents[i]} for each and returns how many are ready.
     */
    public static Result poll(int[] fds, short events, short[] revents, int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment pollfds = arena.allocate(POLLFD, fds.length);
            for (int i = 0; i < fds.length; i++) {
                pollfds.set(JAVA_INT, 8L * i, fds[i]);
                pollfds.set(JAVA_SHORT, 8L * i + 4, events);
            }
            Result r = result((int) POLL.invokeExact(state, pollfds, (long) fds.length, timeoutMillis), state);
            for (int i = 0; i < fds.length; i++) {
                revents[i] = r.failed() ? 0 : pollfds.get(JAVA_SHORT, 8L * i + 6);
            }
            return r;
        } catch (Throwable t) {
            throw unexpected("poll", t);
        }
    }

    /** {@code ioctl(fd, request, &value)} for requests taking a pointer to one int; the value read back is returned. */
    public static Result ioctlInt(int fd, long request, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment arg = arena.allocateFrom(JAVA_INT, value);
            Result r = result((int) IOCTL.invokeExact(state, fd, request, arg), state);
            return r.failed() ? r : new Result(arg.get(JAVA_INT, 0), 0);
        } catch (Throwable t) {
            throw unexpected("ioctl", t);
        }
    }

    /** Sets a terminal's size ({@code struct winsize}: rows, cols, xpixel, ypixel as unsigned shorts). */
    public static Result setWindowSize(int fd, int rows, int cols) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment size = arena.allocate(8);
            size.set(JAVA_SHORT, 0, (short) rows);
            size.set(JAVA_SHORT, 2, (short) cols);
            return result((int) IOCTL.invokeExact(state, fd, TIOCSWINSZ, size), state);
        } catch (Throwable t) {
            throw unexpected("ioctl", t);
        }
    }

    public static Result fchown(int fd, int uid, int gid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            return result((int) FCHOWN.invokeExact(state, fd, uid, gid), state);
        } catch (Throwable t) {
            throw unexpected("fchown", t);
        }
    }

    /** {@code kill(pid, signal)}; a negative pid is a process group. */
    public static Result kill(long pid, int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            return result((int) KILL.invokeExact(state, (int) pid, signal), state);
        } catch (Throwable t) {
            throw unexpected("kill", t);
        }
    }

    public static Result bindMount(String source, String target) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            return result((int) MOUNT.invokeExact(state, arena.allocateFrom(source), arena.allocateFrom(target),
                    MemorySegment.NULL, MS_BIND, MemorySegment.NULL), state);
        } catch (Throwable t) {
            throw unexpected("mount", t);
        }
    }

    /** Detaches a mount now; the kernel frees it when nothing uses it any more. */
    public static Result detach(String target) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            return result((int) UMOUNT2.invokeExact(state, arena.allocateFrom(target), MNT_DETACH), state);
        } catch (Throwable t) {
            throw unexpected("umount2", t);
        }
    }

    /** {@code pipe2(fds, flags)}: on success {@code fds[0]} is the read end, {@code fds[1]} the write end. */
    public static Result pipe(int[] fds, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment pair = arena.allocate(JAVA_INT, 2);
            Result r = result((int) PIPE2.invokeExact(state, pair, flags), state);
            if (!r.failed()) {
                fds[0] = pair.getAtIndex(JAVA_INT, 0);
                fds[1] = pair.getAtIndex(JAVA_INT, 1);
            }
            return r;
        } catch (Throwable t) {
            throw unexpected("pipe2", t);
        }
    }

    /**
     * A stream socket connected to the Unix socket at {@code path} (close-on-exec); the value is its
     * descriptor. {@code ENOENT} or {@code ECONNREFUSED} when nothing listens there.
     */
    public static Result connectUnix(String path) {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= SOCKADDR_UN - 2) {
            throw new IllegalArgumentException("Unix socket path " + path + " is longer than the 107 bytes Linux allows");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            Result fd = result((int) SOCKET.invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), state);
            if (fd.failed()) {
                return fd;
            }
            MemorySegment address = arena.allocate(SOCKADDR_UN);
            address.set(JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, 2, name.length);
            Result connected = result((int) CONNECT.invokeExact(state, (int) fd.value(), address, SOCKADDR_UN), state);
            if (connected.failed()) {
                close((int) fd.value());
                return connected;
            }
            return fd;
        } catch (Throwable t) {
            throw unexpected("socket/connect", t);
        }
    }

    /**
     * {@code sendmsg} of {@code data} with {@code fds} attached as {@code SCM_RIGHTS} (the receiver gets
     * copies; the caller still owns and closes its own). The value is the number of bytes sent, which
     * may be fewer than {@code data.length}: send the rest with {@link #write}. No SIGPIPE.
     */
    public static Result sendWithDescriptors(int socket, byte[] data, int[] fds) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment buf = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            MemorySegment iov = arena.allocate(16, 8); // struct iovec { void *base; size_t len; }
            iov.set(ADDRESS, 0, buf);
            iov.set(JAVA_LONG, 8, data.length);
            long cmsgLen = 16 + 4L * fds.length; // CMSG_LEN: cmsghdr { size_t len; int level; int type; } + data
            long space = (cmsgLen + 7) & ~7L; // CMSG_SPACE
            MemorySegment control = arena.allocate(space, 8);
            control.set(JAVA_LONG, 0, cmsgLen);
            control.set(JAVA_INT, 8, SOL_SOCKET);
            control.set(JAVA_INT, 12, SCM_RIGHTS);
            for (int i = 0; i < fds.length; i++) {
                control.set(JAVA_INT, 16 + 4L * i, fds[i]);
            }
            // struct msghdr { name, namelen(+pad), iov, iovlen, control, controllen, flags(+pad) }: 56 bytes on LP64
            MemorySegment msg = arena.allocate(56, 8);
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1L);
            msg.set(ADDRESS, 32, control);
            msg.set(JAVA_LONG, 40, space);
            return result((long) SENDMSG.invokeExact(state, socket, msg, MSG_NOSIGNAL), state);
        } catch (Throwable t) {
            throw unexpected("sendmsg", t);
        }
    }

    public static String describe(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM (operation not permitted)";
            case ENOENT -> "ENOENT (no such file or directory)";
            case ECONNREFUSED -> "ECONNREFUSED (nothing listens there)";
            case ESRCH -> "ESRCH (no such process)";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case 13 -> "EACCES (permission denied)";
            case 16 -> "EBUSY";
            case 22 -> "EINVAL (invalid argument)";
            default -> "errno " + errno;
        };
    }

    /**
     * Opens a new pseudo-terminal on the host's {@code /dev/ptmx}, unlocked; returns the master and
     * sets {@code slaveNumber[0]} to the N of {@code /dev/pts/N}.
     */
    public static Result openPty(int[] slaveNumber) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            Result fd = result((int) OPEN.invokeExact(state, arena.allocateFrom("/dev/ptmx", StandardCharsets.UTF_8),
                    O_RDWR | O_NOCTTY | O_CLOEXEC, 0), state);
            if (fd.failed()) {
                return fd;
            }
            MemorySegment arg = arena.allocateFrom(JAVA_INT, 0);
            Result unlocked = result((int) IOCTL.invokeExact(state, (int) fd.value(), TIOCSPTLCK, arg), state);
            Result number = unlocked.failed() ? unlocked : result((int) IOCTL.invokeExact(state, (int) fd.value(), TIOCGPTN, arg), state);
            if (number.failed()) {
                close((int) fd.value());
                return number;
            }
            slaveNumber[0] = arg.get(JAVA_INT, 0);
            return fd;
        } catch (Throwable t) {
            throw unexpected("open /dev/ptmx", t);
        }
    }
}
