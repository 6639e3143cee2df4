package dev.era.engine.process;

import dev.era.api.DeploymentId;
import dev.era.api.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What sandboxes need from this host, found once when the engine is made: the programs (bubblewrap,
 * setpriv from util-linux, perl for {@link SandboxExec}), whether they can work here (root,
 * x86_64, unprivileged user namespaces), and the read-only part of the host filesystem every sandbox
 * sees, as bubblewrap arguments.
 *
 * <p>Inside, the sandbox user is uid/gid {@value #UID} ({@value #USER}, home {@value #HOME}); on the
 * host it is {@code hostUid}/{@code hostGid}, an id no host account uses, so that a process that
 * escaped its namespaces would still own nothing but the sandboxes' own files.
 *
 * @param problem     empty when sandboxes work here; otherwise why not, as a sentence that says what to do
 * @param stagingRoot a directory only root and the sandbox's host user can traverse, where a start
 *                    bind-mounts the sandbox's directories for bubblewrap to pick up (see {@link SandboxLauncher})
 * @param hostView    bubblewrap arguments for the host's /usr, /bin, /lib... (/etc is {@link SandboxEtc})
 */
record SandboxHost(String problem, Path bwrap, Path setpriv, Path perl, int hostUid, int hostGid,
                   Path stagingRoot, List<String> hostView) {
    static final int UID = 1000;
    static final int GID = 1000;
    static final String USER = "user";
    static final String HOME = "/home/user";
    static final String WORKSPACE = "/workspace";
    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** An id in the range systemd leaves unused (1879048192-2147483647), below 2^31 so that every tool takes it. */
    static final int DEFAULT_HOST_ID = 2_000_000_000;
    static final Path DEFAULT_STAGING = Path.of("/run/era/sandboxes");

    /**
     * What of the host's /etc a sandbox sees ({@link SandboxEtc} copies it): name service, TLS roots, time
     * zone, the dynamic linker's cache, alternatives (Debian's /usr/bin/vi and friends point there), shell
     * start-up files. Never shadow, sudoers, ssh keys or anything else private; passwd, group and hosts
     * are the sandbox's own.
     */
    static final List<String> ETC = List.of("nsswitch.conf", "host.conf", "gai.conf", "resolv.conf", "services",
            "protocols", "networks", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "ssl",
            "ca-certificates", "ca-certificates.conf", "pki", "crypto-policies", "alternatives", "profile", "profile.d",
            "bash.bashrc", "bash_completion", "bash_completion.d", "inputrc", "terminfo", "vim", "mime.types", "magic",
            "os-release", "lsb-release", "debian_version", "locale.alias", "locale.conf", "default/locale", "shells",
            "python3", "gitconfig", "mailcap", "papersize", "manpath.config");

    private static final List<String> ROOT_DIRS = List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32");

    static SandboxHost detect(String path, int hostId, Path stagingRoot) {
        String search = path + ":/usr/sbin:/usr/bin:/sbin:/bin";
        Optional<Path> bwrap = Executables.onPath("bwrap", search);
        Optional<Path> setpriv = Executables.onPath("setpriv", search);
        Optional<Path> perl = Executables.onPath("perl", search);
        List<String> missing = new ArrayList<>();
        if (!"amd64".equals(System.getProperty("os.arch")) && !"x86_64".equals(System.getProperty("os.arch"))) {
            missing.add("sandboxes run on x86_64 only (their seccomp filter is written for it), this is "
                    + System.getProperty("os.arch"));
        }
        if (!root()) {
            missing.add("sandboxes need the daemon to run as root (for cgroups and to start bubblewrap as the sandbox user)");
        }
        bwrap.ifPresentOrElse(p -> { }, () -> missing.add("bubblewrap (bwrap) is not installed; apt-get install bubblewrap"));
        setpriv.ifPresentOrElse(p -> { }, () -> missing.add("setpriv (util-linux) is not installed"));
        perl.ifPresentOrElse(p -> {
            if (!p.startsWith("/usr") && !p.startsWith("/bin")) {
                missing.add("perl is at " + p + ", which sandboxes do not see; install it under /usr");
            }
        }, () -> missing.add("perl is not installed (exec enters sandboxes with it); apt-get install perl-base"));
        if (readInt("/proc/sys/user/max_user_namespaces", 1) == 0 || readInt("/proc/sys/kernel/unprivileged_userns_clone", 1) == 0) {
            missing.add("user namespaces are disabled; sysctl user.max_user_namespaces=10000 kernel.unprivileged_userns_clone=1");
        }
        return new SandboxHost(String.join("; ", missing), bwrap.orElse(Path.of("bwrap")), setpriv.orElse(Path.of("setpriv")),
                perl.orElse(Path.of("perl")), hostId, hostId, stagingRoot, readHostView());
    }

    boolean available() {
        return problem.isEmpty();
    }

    void requireAvailable(DeploymentId id) {
        if (!available()) {
            throw new EngineException("deployment " + id + ": cannot run a sandbox on this host: " + problem,
                    Map.of("deployment", id.value()));
        }
    }

    /** /usr read-only, and the top-level links or directories into it as the host has them. */
    private static List<String> readHostView() {
        List<String> args = new ArrayList<>(List.of("--ro-bind", "/usr", "/usr"));
        for (String name : ROOT_DIRS) {
            Path p = Path.of("/", name);
            try {
                if (Files.isSymbolicLink(p)) {
                    args.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), p.toString()));
                } else if (Files.isDirectory(p)) {
                    args.addAll(List.of("--ro-bind", p.toString(), p.toString()));
                }
            } catch (IOException e) {
                // unreadable link: the sandbox goes without that directory
            }
        }
        return List.copyOf(args);
    }

    private static boolean root() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // real, effective, saved, fs
                }
            }
        } catch (IOException e) {
            // no /proc: not root as far as we can tell
        }
        return false;
    }

    private static int readInt(String file, int otherwise) {
        try {
            return Integer.parseInt(Files.readString(Path.of(file)).strip());
        } catch (IOException | NumberFormatException e) {
            return otherwise;
        }
    }
}
