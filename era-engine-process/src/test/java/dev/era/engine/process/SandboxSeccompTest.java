package dev.era.engine.process;

import dev.era.api.EngineHandle;
import dev.era.api.Workload;
import dev.era.testing.ExecResult;
import dev.era.testing.ExitRecorder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seccomp filter is in force for the sandbox's own command and for exec'd ones: each dangerous
 * syscall, called for real from inside, fails. Several of them (unshare of a user namespace,
 * PTRACE_TRACEME, keyctl, add_key, process_vm_readv of itself, personality, userfaultfd in user mode)
 * would succeed for an unprivileged process without the filter.
 */
class SandboxSeccompTest extends SandboxTestSupport {
    /** Calls each syscall with harmless arguments; prints "name result errno". */
    private static final String PROBE = """
            use POSIX ();
            my @calls = (
              [mount => 165, 0, 0, 0, 0, 0], [umount2 => 166, "/tmp", 0], [pivot_root => 155, "/", "/"],
              [ptrace => 101, 0, 0, 0, 0], [process_vm_readv => 310, $$, 0, 0, 0, 0, 0],
              [process_vm_writev => 311, $$, 0, 0, 0, 0, 0], [kexec_load => 246, 0, 0, 0, 0],
              [kexec_file_load => 320, -1, -1, 0, 0, 0], [init_module => 175, 0, 0, ""],
              [finit_module => 313, -1, "", 0], [delete_module => 176, "era", 0], [bpf => 321, 0, 0, 0],
              [perf_event_open => 298, 0, 0, -1, -1, 0], [keyctl => 250, 0, -3, 0],
              [add_key => 248, "user", "era", "v", 1, -3], [request_key => 249, "user", "era", 0, 0],
              [reboot => 169, 0, 0, 0, 0], [swapon => 167, "/tmp/swap", 0], [swapoff => 168, "/tmp/swap"],
              [unshare => 272, 0x10000000], [setns => 308, -1, 0], [open_by_handle_at => 304, -1, 0, 0],
              [userfaultfd => 323, 1], [iopl => 172, 0], [ioperm => 173, 0, 0, 0], [acct => 163, 0],
              [settimeofday => 164, 0, 0], [clock_settime => 227, 0, 0], [personality => 135, 0x0040000],
              [io_uring_setup => 425, 1, 0], [fsopen => 430, "tmpfs", 0], [clone_newuser => 56, 0x10000011, 0, 0, 0, 0],
              [ioctl_tiocsti => 16, 0, 0x5412, "x"], [clone3 => 435, 0, 0],
            );
            for my $c (@calls) {
              my ($name, $nr, @args) = @$c;
              $! = 0;
              my $r = syscall($nr, @args); # syscall(@list) would take the list's length as the number
              POSIX::_exit(0) if $r == 0 && $name eq "clone_newuser"; # the child, had the clone worked
              printf "%s %d %d\\n", $name, $r, $! + 0;
            }
            """;

    private static List<String> expected() {
        List<String> names = List.of("mount", "umount2", "pivot_root", "ptrace", "process_vm_readv", "process_vm_writev",
                "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "bpf", "perf_event_open",
                "keyctl", "add_key", "request_key", "reboot", "swapon", "swapoff", "unshare", "setns", "open_by_handle_at",
                "userfaultfd", "iopl", "ioperm", "acct", "settimeofday", "clock_settime", "personality", "io_uring_setup",
                "fsopen", "clone_newuser", "ioctl_tiocsti");
        return Stream.concat(names.stream().map(n -> n + " -1 1"), Stream.of("clone3 -1 38"))
                .toList();
    }

    @Test
    void deniedSyscallsFailWithEpermInAnExecdCommand() {
        EngineHandle h = start(workload(sandbox()));

        ExecResult r = ExecResult.run(engine, h, TIMEOUT, "perl", "-e", PROBE);

        assertThat(r.stdout().lines()).containsExactlyElementsOf(expected());
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void deniedSyscallsFailWithEpermInTheSandboxsOwnCommand() {
        Workload w = workload(sandbox("perl", "-e", PROBE));
        ExitRecorder onExit = new ExitRecorder();

        start(w, onExit);

        assertThat(onExit.await(TIMEOUT).exitCode()).isZero();
        assertThat(Workloads.log(w).lines()).containsExactlyElementsOf(expected());
    }
}
