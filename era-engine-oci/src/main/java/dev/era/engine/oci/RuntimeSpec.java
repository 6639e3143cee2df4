package dev.era.engine.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.AppSpec;
import dev.era.api.InvalidSpecException;
import dev.era.api.Isolation;
import dev.era.api.Resources;
import dev.era.api.Volume;
import dev.era.api.Workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime spec (config.json) for a workload on an image, hardened as Docker's defaults:
 * its own pid, ipc, uts and mount namespaces (and network unless the spec asks for the host's),
 * Docker's default capability set only, no new privileges, a seccomp filter refusing the system
 * calls that reach the kernel's global state, masked and read-only {@code /proc} paths, rlimits,
 * and the spec's limits as cgroup resources.
 */
final class RuntimeSpec {
    static final List<String> CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
            "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
            "CAP_KILL", "CAP_AUDIT_WRITE");
    /** Refused with EPERM: module and kernel replacement, clocks, swap, accounting, keyrings, bpf, namespaces, mounts, tracing other processes' memory. */
    static final List<String> REFUSED_SYSCALLS = List.of("acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module",
            "delete_module", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms", "init_module", "ioperm", "iopl",
            "kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mount", "mount_setattr", "move_mount", "name_to_handle_at",
            "nfsservctl", "open_by_handle_at", "open_tree", "perf_event_open", "pivot_root", "process_vm_readv", "process_vm_writev",
            "quotactl", "reboot", "request_key", "setns", "settimeofday", "swapoff", "swapon", "syslog", "umount2", "unshare",
            "uselib", "userfaultfd", "ustat", "vhangup");
    static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware");
    static final List<String> READ_ONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
    private static final long CPU_PERIOD = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private RuntimeSpec() {
    }

    /** What the container runs: the spec's command replaces the image's entrypoint and cmd; args alone replace cmd. */
    static List<String> argv(AppSpec spec, Image image) {
        List<String> argv = new ArrayList<>();
        if (!spec.command().isEmpty()) {
            argv.addAll(spec.argv());
        } else {
            argv.addAll(image.entrypoint());
            argv.addAll(spec.args().isEmpty() ? image.cmd() : spec.args());
        }
        return argv;
    }

    static byte[] build(Workload w, Image image, Path rootfs, String container, Map<String, Path> extraBinds) throws IOException {
        AppSpec spec = w.spec();
        List<String> argv = argv(spec, image);
        if (argv.isEmpty()) {
            throw new InvalidSpecException("command", "image " + spec.artifact() + " names no entrypoint or cmd; give a command",
                    Map.of("image", spec.artifact()));
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("ociVersion", "1.0.2");
        ObjectNode process = root.putObject("process");
        process.put("terminal", false);
        long[] ids = Users.resolve(rootfs, image.user(), spec.artifact());
        process.putObject("user").put("uid", ids[0]).put("gid", ids[1]);
        strings(process.putArray("args"), argv);
        strings(process.putArray("env"), env(image, spec));
        process.put("cwd", !spec.workingDir().isEmpty() ? spec.workingDir() : image.workingDir().isEmpty() ? "/" : image.workingDir());
        ObjectNode caps = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            strings(caps.putArray(set), CAPABILITIES);
        }
        long files = openFilesLimit();
        process.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("hard", files).put("soft", files);
        process.put("noNewPrivileges", true);
        root.putObject("root").put("path", rootfs.toString()).put("readonly", false);
        root.put("hostname", w.spec().name());
        ArrayNode mounts = root.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev"));
        mount(mounts, "/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"));
        mount(mounts, "/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"));
        mount(mounts, "/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"));
        mount(mounts, "/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"));
        mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro"));
        extraBinds.forEach((target, source) -> mount(mounts, target, "bind", source.toString(), List.of("rbind", "rw")));
        for (Volume v : spec.volumes()) {
            mount(mounts, v.mountPath(), "bind", w.volume(v).toString(), List.of("rbind", v.readOnly() ? "ro" : "rw"));
        }
        ObjectNode linux = root.putObject("linux");
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String ns : List.of("pid", "ipc", "uts", "mount")) {
            namespaces.addObject().put("type", ns);
        }
        if (spec.isolation().network() == Isolation.Network.NONE) {
            namespaces.addObject().put("type", "network"); // runc brings up lo in it, nothing else
        }
        linux.put("cgroupsPath", "/era-oci/" + container);
        resources(linux.putObject("resources"), spec.resources());
        strings(linux.putArray("maskedPaths"), MASKED);
        strings(linux.putArray("readonlyPaths"), READ_ONLY);
        ObjectNode seccomp = linux.putObject("seccomp");
        seccomp.put("defaultAction", "SCMP_ACT_ALLOW");
        strings(seccomp.putArray("architectures"), List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"));
        ObjectNode refused = seccomp.putArray("syscalls").addObject();
        strings(refused.putArray("names"), REFUSED_SYSCALLS);
        refused.put("action", "SCMP_ACT_ERRNO").put("errnoRet", 1);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }

    /**
     * 65536 open files, or the daemon's own hard limit when lower: raising a hard limit needs
     * CAP_SYS_RESOURCE, which a daemon in a container often lacks (runc then fails the start).
     */
    static long openFilesLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                return f[1].equals("unlimited") ? 65536 : Math.min(65536, Long.parseLong(f[1]));
            }
        }
        return 1024;
    }

    private static List<String> env(Image image, AppSpec spec) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String e : image.env()) {
            int eq = e.indexOf('=');
            if (eq > 0) {
                env.put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        env.putAll(spec.env());
        env.putIfAbsent("HOME", "/root");
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    private static void resources(ObjectNode r, Resources res) {
        r.putArray("devices").addObject().put("allow", false).put("access", "rwm");
        if (res.memoryBytes() > 0) {
            r.putObject("memory").put("limit", res.memoryBytes()).put("swap", res.memoryBytes());
        }
        if (res.cpu() > 0) {
            r.putObject("cpu").put("quota", Math.max(1000, (long) (res.cpu() * CPU_PERIOD))).put("period", CPU_PERIOD);
        }
        if (res.pids() > 0) {
            r.putObject("pids").put("limit", res.pids());
        }
    }

    private static void mount(ArrayNode mounts, String destination, String type, String source, List<String> options) {
        ObjectNode m = mounts.addObject();
        m.put("destination", destination).put("type", type).put("source", source);
        strings(m.putArray("options"), options);
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    /** Reads a file of the image's rootfs (for users), empty when missing. */
    static List<String> lines(Path file) throws IOException {
        return Files.isRegularFile(file) ? Files.readAllLines(file) : List.of();
    }
}
