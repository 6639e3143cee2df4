package dev.era.engine.process;

import dev.era.api.EngineHandle;
import dev.era.api.Isolation;
import dev.era.api.Workload;
import dev.era.testing.ExecResult;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Each escape a hostile program would try, and that it fails. */
class SandboxIsolationTest extends SandboxTestSupport {

    @Test
    void theHostsShadowFileCannotBeRead() {
        EngineHandle h = start(workload(sandbox()));

        ExecResult r = sh(h, "cat /etc/shadow; echo rc=$?; cat /proc/1/root/etc/shadow; echo rc=$?; ls /etc");

        assertThat(r.stdout()).startsWith("rc=1\nrc=1\n").doesNotContain("root:");
        assertThat(r.stdout().lines().skip(2)).doesNotContain("shadow", "gshadow", "sudoers", "ssh", "machine-id")
                .contains("passwd", "group", "hosts", "resolv.conf");
    }

    @Test
    void anotherSandboxsWorkspaceCannotBeReached() {
        EngineHandle a = start(workload(sandbox()));
        Workload wb = workload(sandbox());
        EngineHandle b = start(wb);
        assertThat(sh(a, "echo secret-of-a > /workspace/secret").exitCode()).isZero();
        Path hostPathOfA = ref(a).runDir().getParent().resolve("volumes/workspace");

        ExecResult r = sh(b, "cat /workspace/secret; cat " + hostPathOfA + "/secret; cat /proc/*/root/workspace/secret; "
                + "ls " + hostPathOfA.getParent() + "; echo end");

        assertThat(r.stdout()).isEqualTo("end\n");
        assertThat(r.stderr()).contains("No such file or directory");
        assertThat(engine.fileRoots(wb).get("/workspace")).isNotEqualTo(hostPathOfA);
    }

    @Test
    void onlyWorkspaceTmpHomeAndShmAreWritable() {
        EngineHandle h = start(workload(sandbox()));
        List<String> denied = List.of("/x", "/etc/x", "/usr/x", "/usr/bin/x", "/bin/x", "/lib/x", "/var/x", "/home/x",
                "/dev/x", "/proc/x", "/sys/x", "/root/x", "/run/x");

        ExecResult r = sh(h, "for f in " + String.join(" ", denied) + "; do touch $f 2>/dev/null && echo WROTE $f; done; "
                + "for f in /workspace/ok /tmp/ok /home/user/ok /var/tmp/ok /dev/shm/ok; do touch $f && echo wrote $f; done");

        assertThat(r.stdout()).doesNotContain("WROTE")
                .isEqualTo("wrote /workspace/ok\nwrote /tmp/ok\nwrote /home/user/ok\nwrote /var/tmp/ok\nwrote /dev/shm/ok\n");
    }

    @Test
    void withoutNetworkNothingOnTheHostCanBeReached() throws IOException {
        EngineHandle isolated = start(workload(sandbox()));
        EngineHandle shared = start(workload(sandbox().isolation(new Isolation(Isolation.Mode.SANDBOX, Isolation.Network.HOST))));
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            listener.setSoTimeout(200);
            String connect = "perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(PeerAddr => $ARGV[0], Timeout => 2);"
                    + " print $s ? \"connected\\n\" : \"failed: $!\\n\"' ";

            ExecResult fromIsolated = sh(isolated, connect + "127.0.0.1:" + listener.getLocalPort() + "; "
                    + connect + "1.1.1.1:80; cat /proc/net/dev | tail -n +3 | cut -d: -f1");

            assertThat(fromIsolated.stdout()).startsWith("failed: Connection refused\nfailed: Network is unreachable\n")
                    .endsWith("lo\n");
            assertThat(accepted(listener)).as("a connection from the isolated sandbox").isFalse();
            // the same probe works with the host's network, so the failure above is the namespace's doing
            assertThat(sh(shared, connect + "127.0.0.1:" + listener.getLocalPort()).stdout()).isEqualTo("connected\n");
            assertThat(accepted(listener)).isTrue();
        }
    }

    private static boolean accepted(ServerSocket listener) throws IOException {
        try {
            listener.accept().close();
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Test
    void hostProcessesCanBeNeitherSeenNorSignalledNorTraced() throws IOException {
        EngineHandle h = start(workload(sandbox()));
        Process stranger = new ProcessBuilder("sleep", "60").start();
        try {
            long daemon = ProcessHandle.current().pid();
            ExecResult r = sh(h, "kill -0 " + stranger.pid() + "; echo $?; kill -9 " + stranger.pid() + "; echo $?; "
                    + "kill -0 " + daemon + "; echo $?; "
                    + "perl -e 'syscall(101, 16, " + daemon + ", 0, 0); print \"ptrace $!\\n\"'; "
                    + "ls /proc | grep -c '^[0-9]'");

            List<String> lines = r.stdout().lines().toList();
            assertThat(lines.subList(0, 3)).containsOnly("1");
            assertThat(lines.get(3)).isEqualTo("ptrace Operation not permitted");
            assertThat(Integer.parseInt(lines.get(4))).as("processes visible inside").isLessThan(10);
            assertThat(stranger.isAlive()).isTrue();
            assertThat(ProcessHandle.current().isAlive()).isTrue();
        } finally {
            stranger.destroyForcibly();
        }
    }

    @Test
    void mountingAndNewNamespacesFail() {
        EngineHandle h = start(workload(sandbox()));

        ExecResult r = sh(h, "before=$(cat /proc/self/mounts); mount -t tmpfs none /tmp; echo $?; mount --bind /workspace /tmp; "
                + "echo $?; unshare -r true; echo $?; unshare -m true; echo $?; "
                + "[ \"$before\" = \"$(cat /proc/self/mounts)\" ] && echo mounts unchanged");

        assertThat(r.stdout().lines().limit(4)).containsOnly("1", "32").hasSize(4);
        assertThat(r.stdout()).endsWith("mounts unchanged\n");
    }

    @Test
    void aSetuidRootBinaryGivesNoRoot() throws IOException {
        Workload w = workload(sandbox());
        EngineHandle h = start(w);
        // what an attacker hopes for: a root-owned setuid copy of a program in reach
        Path suid = engine.fileRoots(w).get("/workspace").resolve("id-suid");
        Files.copy(Path.of("/usr/bin/id"), suid, StandardCopyOption.REPLACE_EXISTING);
        Files.setAttribute(suid, "unix:uid", 0);
        Files.setAttribute(suid, "unix:gid", 0);
        Files.setAttribute(suid, "unix:mode", 04755);

        ExecResult r = sh(h, "/workspace/id-suid -u; /workspace/id-suid -ru; stat -c '%A %u' /workspace/id-suid /usr/bin/su; "
                + "su -c id root </dev/null; echo su=$?; perl -e '$< = $> = 0; print \"uid $<\\n\"'");

        assertThat(r.stdout()).startsWith("1000\n1000\n-rwsr-xr-x 65534\n-rwsr-xr-x 65534\n")
                .contains("su=1").contains("uid 1000").doesNotContain("uid=0");
    }

    @Test
    void everyProcessIsAnUnprivilegedUserInsideAndOnTheHost() throws IOException {
        Workload w = workload(sandbox("/bin/sh", "-c", "grep -E '^(Uid|CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status;"
                + " exec sleep 60"));
        EngineHandle h = start(w);

        ExecResult exec = sh(h, "grep -E '^(Uid|Gid|Groups|CapPrm|CapEff|CapInh|CapAmb|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status");

        assertThat(exec.stdout().lines().map(String::strip)).as("no supplementary groups").contains("Groups:");
        assertThat(exec.stdout()).contains("Uid:\t1000\t1000\t1000\t1000", "Gid:\t1000\t1000\t1000\t1000",
                "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000", "CapInh:\t0000000000000000",
                "CapAmb:\t0000000000000000", "CapBnd:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2");
        awaitLog(w, "Seccomp:");
        assertThat(Workloads.log(w)).contains("Uid:\t1000\t1000\t1000\t1000", "CapEff:\t0000000000000000",
                "CapBnd:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2");
        // on the host, nothing of the sandbox (bubblewrap included) runs as root; but for the exec agent, which is
        // in the sandbox's cgroups (to be frozen with it) and outside its pid namespace (beyond its processes' reach)
        for (long pid : new Cgroup(ref(h).cgroupDirs()).members()) {
            if (Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).getFileName().toString().startsWith("exec-agent-")) {
                assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid")))
                        .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/" + ref(h).initPid() + "/ns/pid")));
                continue;
            }
            assertThat(Files.readAllLines(Path.of("/proc/" + pid + "/status"))).as("process " + pid)
                    .contains("Uid:\t" + SandboxHost.DEFAULT_HOST_ID + "\t" + SandboxHost.DEFAULT_HOST_ID + "\t"
                            + SandboxHost.DEFAULT_HOST_ID + "\t" + SandboxHost.DEFAULT_HOST_ID);
        }
    }

    private static void awaitLog(Workload w, String text) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Workloads.log(w).contains(text)) {
            assertThat(System.nanoTime()).as("waiting for '" + text + "' in the log").isLessThan(deadline);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
