package dev.era.engine.process;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The seccomp filter of sandboxed work, as a classic BPF program ({@code struct sock_filter}: u16
 * code, u8 jt, u8 jf, u32 k, little-endian) that bubblewrap loads with {@code --seccomp FD} and the
 * exec applier loads with {@code prctl(PR_SET_SECCOMP)}.
 *
 * <p>It is a deny list on top of what the namespaces and the unprivileged user already forbid:
 * the syscalls that have been the way out of containers or into the kernel (mount and the new mount
 * API, namespaces, ptrace and cross-process memory, modules and kexec, bpf, perf, keyrings,
 * userfaultfd, io_uring, handle-based opens, clocks, ...). They fail with {@code EPERM}, so that
 * programs report an ordinary error instead of dying. {@code clone} is allowed unless it asks for
 * new namespaces; {@code clone3} passes its flags in memory that a filter cannot read, so it fails
 * with {@code ENOSYS} and the C library falls back to {@code clone}. {@code personality} may only
 * query or select the plain Linux personalities (no ASLR switch-off, no READ_IMPLIES_EXEC), and
 * {@code ioctl} may not push input into a terminal ({@code TIOCSTI}, {@code TIOCLINUX}).
 *
 * <p>Only x86_64 is supported: any other architecture (a 32-bit syscall through {@code int 0x80})
 * kills the process, and x32 syscall numbers fail with {@code EPERM}.
 */
final class SeccompFilter {
    static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    static final int X32_SYSCALL_BIT = 0x40000000;

    static final int RET_KILL_PROCESS = 0x80000000;
    static final int RET_ERRNO = 0x00050000;
    static final int RET_ALLOW = 0x7FFF0000;
    static final int EPERM = 1;
    static final int ENOSYS = 38;

    static final int NR_IOCTL = 16;
    static final int NR_CLONE = 56;
    static final int NR_PERSONALITY = 135;
    static final int NR_CLONE3 = 435;

    /**
     * CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET. (CLONE_NEWTIME shares its bit
     * with the exit signal in clone(2); only unshare and clone3 can ask for it, and both are denied.)
     */
    static final int CLONE_NEW_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
            | 0x20000000 | 0x40000000;
    static final int TIOCSTI = 0x5412;
    static final int TIOCLINUX = 0x541C;
    /** PER_LINUX, PER_LINUX32, UNAME26 variants, and the query value 0xffffffff. */
    static final List<Integer> ALLOWED_PERSONALITIES = List.of(0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF);

    /** A syscall that fails with EPERM, by its x86_64 number. */
    record Denied(String name, int nr) {}

    static final List<Denied> DENIED = List.of(
            new Denied("ptrace", 101), new Denied("syslog", 103), new Denied("uselib", 134), new Denied("ustat", 136),
            new Denied("sysfs", 139), new Denied("vhangup", 153), new Denied("pivot_root", 155), new Denied("_sysctl", 156),
            new Denied("chroot", 161), new Denied("acct", 163), new Denied("settimeofday", 164), new Denied("mount", 165),
            new Denied("umount2", 166), new Denied("swapon", 167), new Denied("swapoff", 168), new Denied("reboot", 169),
            new Denied("sethostname", 170), new Denied("setdomainname", 171), new Denied("iopl", 172),
            new Denied("ioperm", 173), new Denied("create_module", 174), new Denied("init_module", 175),
            new Denied("delete_module", 176), new Denied("get_kernel_syms", 177), new Denied("query_module", 178),
            new Denied("quotactl", 179), new Denied("nfsservctl", 180), new Denied("lookup_dcookie", 212),
            new Denied("clock_settime", 227), new Denied("kexec_load", 246), new Denied("add_key", 248),
            new Denied("request_key", 249), new Denied("keyctl", 250), new Denied("unshare", 272),
            new Denied("perf_event_open", 298), new Denied("fanotify_init", 300), new Denied("name_to_handle_at", 303),
            new Denied("open_by_handle_at", 304), new Denied("clock_adjtime", 305), new Denied("setns", 308),
            new Denied("process_vm_readv", 310), new Denied("process_vm_writev", 311), new Denied("kcmp", 312),
            new Denied("finit_module", 313), new Denied("kexec_file_load", 320), new Denied("bpf", 321),
            new Denied("userfaultfd", 323), new Denied("io_uring_setup", 425), new Denied("io_uring_enter", 426),
            new Denied("io_uring_register", 427), new Denied("open_tree", 428), new Denied("move_mount", 429),
            new Denied("fsopen", 430), new Denied("fsconfig", 431), new Denied("fsmount", 432), new Denied("fspick", 433),
            new Denied("mount_setattr", 442), new Denied("quotactl_fd", 443));

    // classic BPF opcodes
    static final int LD_W_ABS = 0x20;
    static final int JEQ_K = 0x15;
    static final int JSET_K = 0x45;
    static final int RET_K = 0x06;

    // offsets in struct seccomp_data: int nr; u32 arch; u64 ip; u64 args[6] (the low word of an arg is at 16 + 8 i)
    static final int OFFSET_NR = 0;
    static final int OFFSET_ARCH = 4;

    static int argLow(int index) {
        return 16 + 8 * index;
    }

    /** One instruction. */
    record Insn(int code, int jt, int jf, int k) {
        Insn {
            if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
                throw new IllegalArgumentException("jump offset out of range in " + code + ": " + jt + "/" + jf);
            }
        }
    }

    private static final byte[] PROGRAM = assemble(instructions());

    private SeccompFilter() {
    }

    /** The program's bytes, computed once per JVM. */
    static byte[] program() {
        return PROGRAM.clone();
    }

    static List<Insn> instructions() {
        List<Insn> p = new ArrayList<>();
        p.add(new Insn(LD_W_ABS, 0, 0, OFFSET_ARCH));
        p.add(new Insn(JEQ_K, 1, 0, AUDIT_ARCH_X86_64));
        p.add(new Insn(RET_K, 0, 0, RET_KILL_PROCESS));
        p.add(new Insn(LD_W_ABS, 0, 0, OFFSET_NR));
        p.add(new Insn(JSET_K, 0, 1, X32_SYSCALL_BIT));
        p.add(new Insn(RET_K, 0, 0, RET_ERRNO | EPERM));
        for (Denied d : DENIED) {
            p.add(new Insn(JEQ_K, 0, 1, d.nr()));
            p.add(new Insn(RET_K, 0, 0, RET_ERRNO | EPERM));
        }
        // clone: allowed unless a namespace flag is set in its first argument
        p.add(new Insn(JEQ_K, 0, 4, NR_CLONE));
        p.add(new Insn(LD_W_ABS, 0, 0, argLow(0)));
        p.add(new Insn(JSET_K, 0, 1, CLONE_NEW_NAMESPACES));
        p.add(new Insn(RET_K, 0, 0, RET_ERRNO | EPERM));
        p.add(new Insn(RET_K, 0, 0, RET_ALLOW));
        p.add(new Insn(JEQ_K, 0, 1, NR_CLONE3));
        p.add(new Insn(RET_K, 0, 0, RET_ERRNO | ENOSYS));
        // ioctl: no input injection into a terminal (the kernel reads the request as 32 bits)
        p.add(new Insn(JEQ_K, 0, 5, NR_IOCTL));
        p.add(new Insn(LD_W_ABS, 0, 0, argLow(1)));
        p.add(new Insn(JEQ_K, 1, 0, TIOCSTI));
        p.add(new Insn(JEQ_K, 0, 1, TIOCLINUX));
        p.add(new Insn(RET_K, 0, 0, RET_ERRNO | EPERM));
        p.add(new Insn(RET_K, 0, 0, RET_ALLOW));
        // personality: only the allowed values
        int n = ALLOWED_PERSONALITIES.size();
        p.add(new Insn(JEQ_K, 0, n + 3, NR_PERSONALITY));
        p.add(new Insn(LD_W_ABS, 0, 0, argLow(0)));
        for (int i = 0; i < n; i++) {
            p.add(new Insn(JEQ_K, n - i, 0, ALLOWED_PERSONALITIES.get(i)));
        }
        p.add(new Insn(RET_K, 0, 0, RET_ERRNO | EPERM));
        p.add(new Insn(RET_K, 0, 0, RET_ALLOW));
        p.add(new Insn(RET_K, 0, 0, RET_ALLOW));
        return p;
    }

    static byte[] assemble(List<Insn> program) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(program.size() * 8);
        for (Insn i : program) {
            out.write(i.code() & 0xFF);
            out.write((i.code() >>> 8) & 0xFF);
            out.write(i.jt());
            out.write(i.jf());
            for (int shift = 0; shift < 32; shift += 8) {
                out.write((i.k() >>> shift) & 0xFF);
            }
        }
        return out.toByteArray();
    }
}
