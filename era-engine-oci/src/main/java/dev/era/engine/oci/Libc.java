package dev.era.engine.oci;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The few libc calls a terminal exec needs: allocating a host pseudo-terminal and moving bytes on
 * its master. Same shape as the process engine's binding, which this module cannot depend on.
 */
final class Libc {
    /** A call's return value, and errno when it returned -1. */
    record Result(long value, int errno) {
        boolean failed() {
            return value == -1;
        }
    }

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final short POLLIN = 1;
    static final short POLLOUT = 4;
    private static final long TIOCSWINSZ = 0x5414;
    private static final long TIOCSPTLCK = 0x40045431;
    private static final long TIOCGPTN = 0x80045430L;
    private static final int O_RDWR_NOCTTY_CLOEXEC = 02 | 0400 | 02000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle READ = function("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = function("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = function("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("ioctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.captureCallState("errno"),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.captureCallState("errno"),
            Linker.Option.firstVariadicArg(2));

    private Libc() {
    }

    private static MethodHandle function(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, Linker.Option.captureCallState("errno"));
    }

    private static Result result(long value, MemorySegment state) {
        return new Result(value, value == -1 ? (int) ERRNO.get(state, 0L) : 0);
    }

    private static IllegalStateException unexpected(String call, Throwable t) {
        return new IllegalStateException("libc " + call + " could not be called (a bug in its binding): " + t, t);
    }

    static Result read(int fd, byte[] buffer) {
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

    static Result write(int fd, byte[] buffer, int offset, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment buf = arena.allocate(Math.max(1, length));
            MemorySegment.copy(buffer, offset, buf, ValueLayout.JAVA_BYTE, 0, length);
            return result((long) WRITE.invokeExact(state, fd, buf, (long) length), state);
        } catch (Throwable t) {
            throw unexpected("write", t);
        }
    }

    static Result close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            return result((int) CLOSE.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw unexpected("close", t);
        }
    }

    /** Waits up to {@code timeoutMillis} for {@code events}; the value is the revents (0 on timeout). */
    static Result poll(int fd, short events, int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment pollfd = arena.allocate(8);
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(JAVA_SHORT, 4, events);
            Result r = result((int) POLL.invokeExact(state, pollfd, 1L, timeoutMillis), state);
            return r.failed() ? r : new Result(pollfd.get(JAVA_SHORT, 6), 0);
        } catch (Throwable t) {
            throw unexpected("poll", t);
        }
    }

    static Result setWindowSize(int fd, int rows, int cols) {
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

    /**
     * Opens a new pseudo-terminal on the host's {@code /dev/ptmx}, unlocked; returns the master and
     * sets {@code slaveNumber[0]} to the N of {@code /dev/pts/N}.
     */
    static Result openPty(int[] slaveNumber) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            Result fd = result((int) OPEN.invokeExact(state, arena.allocateFrom("/dev/ptmx", StandardCharsets.UTF_8),
                    O_RDWR_NOCTTY_CLOEXEC, 0), state);
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
