package dev.era.engine.process;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.era.engine.process.SeccompFilter.AUDIT_ARCH_X86_64;
import static dev.era.engine.process.SeccompFilter.ENOSYS;
import static dev.era.engine.process.SeccompFilter.EPERM;
import static dev.era.engine.process.SeccompFilter.RET_ALLOW;
import static dev.era.engine.process.SeccompFilter.RET_ERRNO;
import static dev.era.engine.process.SeccompFilter.RET_KILL_PROCESS;
import static org.assertj.core.api.Assertions.assertThat;

/** The filter's decisions, by running the generated program the way the kernel does (see {@link Bpf}). */
class SeccompFilterTest {
    private static final byte[] PROGRAM = SeccompFilter.program();
    private static final int DENY = RET_ERRNO | EPERM;
    private static final int SIGCHLD = 17;
    private static final int CLONE_VM = 0x100;

    private static int verdict(int nr, long... args) {
        return Bpf.run(PROGRAM, AUDIT_ARCH_X86_64, nr, args);
    }

    @Test
    void everyDeniedSyscallFailsWithEperm() {
        assertThat(SeccompFilter.DENIED).extracting(SeccompFilter.Denied::name).contains("mount", "umount2", "pivot_root",
                "ptrace", "process_vm_readv", "process_vm_writev", "kexec_load", "kexec_file_load", "init_module",
                "finit_module", "delete_module", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "reboot",
                "swapon", "swapoff", "unshare", "setns", "open_by_handle_at", "userfaultfd", "iopl", "ioperm", "acct",
                "settimeofday", "clock_settime", "io_uring_setup", "fsopen", "move_mount", "open_tree");
        for (SeccompFilter.Denied d : SeccompFilter.DENIED) {
            assertThat(verdict(d.nr())).as(d.name()).isEqualTo(DENY);
        }
    }

    @Test
    void ordinarySyscallsAreAllowed() {
        // read, write, openat, close, execve, fork, wait4, kill, socket, connect, prctl, seccomp, getpid, mmap
        for (int nr : List.of(0, 1, 257, 3, 59, 57, 61, 62, 41, 42, 157, 317, 39, 9)) {
            assertThat(verdict(nr)).as("syscall " + nr).isEqualTo(RET_ALLOW);
        }
    }

    @Test
    void cloneIsAllowedForThreadsAndProcessesButNotForNamespaces() {
        assertThat(verdict(SeccompFilter.NR_CLONE, SIGCHLD)).isEqualTo(RET_ALLOW);
        assertThat(verdict(SeccompFilter.NR_CLONE, 0x3D0F00)).as("pthread_create's flags").isEqualTo(RET_ALLOW);
        for (int flag : List.of(0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)) {
            assertThat(verdict(SeccompFilter.NR_CLONE, flag | CLONE_VM | SIGCHLD)).as("clone flag 0x" + Integer.toHexString(flag))
                    .isEqualTo(DENY);
        }
    }

    @Test
    void clone3FailsAsUnsupportedSoThatTheCLibraryFallsBackToClone() {
        assertThat(verdict(SeccompFilter.NR_CLONE3, 0, 88)).isEqualTo(RET_ERRNO | ENOSYS);
    }

    @Test
    void terminalInputInjectionIsDeniedEvenWithHighBitsSet() {
        assertThat(verdict(SeccompFilter.NR_IOCTL, 0, 0x5401)).as("TCGETS").isEqualTo(RET_ALLOW);
        assertThat(verdict(SeccompFilter.NR_IOCTL, 0, 0x5414)).as("TIOCSWINSZ").isEqualTo(RET_ALLOW);
        assertThat(verdict(SeccompFilter.NR_IOCTL, 0, 0x5412)).as("TIOCSTI").isEqualTo(DENY);
        assertThat(verdict(SeccompFilter.NR_IOCTL, 0, 0xFFFFFFFF00005412L)).as("TIOCSTI, high bits set").isEqualTo(DENY);
        assertThat(verdict(SeccompFilter.NR_IOCTL, 0, 0x541C)).as("TIOCLINUX").isEqualTo(DENY);
    }

    @Test
    void personalityMayOnlyQueryOrPickThePlainPersonalities() {
        assertThat(verdict(SeccompFilter.NR_PERSONALITY, 0xFFFFFFFFL)).as("query").isEqualTo(RET_ALLOW);
        assertThat(verdict(SeccompFilter.NR_PERSONALITY, 0)).as("PER_LINUX").isEqualTo(RET_ALLOW);
        assertThat(verdict(SeccompFilter.NR_PERSONALITY, 8)).as("PER_LINUX32").isEqualTo(RET_ALLOW);
        assertThat(verdict(SeccompFilter.NR_PERSONALITY, 0x0040000)).as("ADDR_NO_RANDOMIZE").isEqualTo(DENY);
        assertThat(verdict(SeccompFilter.NR_PERSONALITY, 0x0400000)).as("READ_IMPLIES_EXEC").isEqualTo(DENY);
    }

    @Test
    void anotherArchitectureIsKilledAndX32NumbersAreDenied() {
        int i386 = 0x40000003;
        assertThat(Bpf.run(PROGRAM, i386, 1)).isEqualTo(RET_KILL_PROCESS);
        assertThat(verdict(SeccompFilter.X32_SYSCALL_BIT | 165)).as("x32 mount").isEqualTo(DENY);
        assertThat(verdict(SeccompFilter.X32_SYSCALL_BIT | 1)).as("x32 write").isEqualTo(DENY);
    }

    @Test
    void theProgramIsWellFormed() {
        assertThat(PROGRAM.length % 8).isZero();
        assertThat(PROGRAM.length / 8).isBetween(10, 4096); // BPF_MAXINSNS
        assertThat(SeccompFilter.program()).isEqualTo(PROGRAM).isNotSameAs(SeccompFilter.program());
        List<SeccompFilter.Insn> insns = SeccompFilter.instructions();
        for (int i = 0; i < insns.size(); i++) {
            SeccompFilter.Insn insn = insns.get(i);
            if (insn.code() != SeccompFilter.RET_K && insn.code() != SeccompFilter.LD_W_ABS) {
                assertThat(i + 1 + Math.max(insn.jt(), insn.jf())).as("jump target of instruction " + i).isLessThan(insns.size());
            }
        }
        assertThat(insns.getLast().code()).isEqualTo(SeccompFilter.RET_K);
    }
}
