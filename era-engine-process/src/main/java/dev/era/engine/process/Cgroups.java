package dev.era.engine.process;

import dev.era.api.EngineException;
import dev.era.api.Resources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The host's cgroup setup, found once when the engine is made. cgroup v2 is used when the
 * daemon's own v2 cgroup delegates the memory, pids and cpu controllers; otherwise the v1
 * hierarchies of those controllers; otherwise none, and then a spec with limits fails to start
 * rather than running unlimited. Work cgroups are made under the daemon's own cgroup
 * ({@code <own>/era/<name>}), so that they nest under whatever limits the daemon itself has.
 */
sealed interface Cgroups permits CgroupV1, CgroupV2, Cgroups.Unavailable {
    List<String> CONTROLLERS = List.of("memory", "pids", "cpu");
    /** v1 hierarchies the engine uses: the limit controllers, and the freezer for {@code Pausable}. */
    List<String> V1_HIERARCHIES = List.of("memory", "pids", "cpu", "freezer");

    /**
     * Makes the cgroup of one start and writes its limits. Without limits the cgroup only tracks the
     * work's processes, so failing to make one then returns {@link Cgroup#NONE}; with limits it throws.
     */
    Cgroup create(String name, Resources limits);

    /** For messages: which version, where. */
    String describe();

    /** The work cgroups whose names start with {@code prefix} (left by earlier starts), as one group. */
    Cgroup leftovers(String prefix);

    /** The children of {@code base} whose names start with {@code prefix}. */
    static List<Path> children(Path base, String prefix) {
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        try (var list = Files.list(base)) {
            return list.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** No usable cgroups. */
    record Unavailable(String reason) implements Cgroups {
        @Override
        public Cgroup create(String name, Resources limits) {
            if (limits.limited()) {
                throw new EngineException("resource limits " + limits + " cannot be enforced: " + reason
                        + "; run the daemon as root on a host with cgroups, or remove resources from the spec",
                        Map.of("cgroups", reason));
            }
            return Cgroup.NONE;
        }

        @Override
        public String describe() {
            return "no cgroups (" + reason + ")";
        }

        @Override
        public Cgroup leftovers(String prefix) {
            return Cgroup.NONE;
        }
    }

    static Cgroups detect() {
        try {
            return detect(Files.readString(Path.of("/proc/self/mountinfo")), Files.readString(Path.of("/proc/self/cgroup")));
        } catch (IOException e) {
            return new Unavailable("cannot read /proc/self/mountinfo or /proc/self/cgroup: " + e.getMessage());
        }
    }

    /** Decides from the text of {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}. */
    static Cgroups detect(String mountinfo, String selfCgroup) {
        List<Mount> mounts = Mount.parseAll(mountinfo);
        Map<String, String> ownPaths = new LinkedHashMap<>(); // controller ("" for v2) -> own cgroup path
        for (String line : selfCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length == 3) {
                for (String controller : f[1].split(",")) {
                    ownPaths.put(controller, f[2]);
                }
            }
        }

        String v2Problem = "no cgroup2 mount";
        for (Mount m : mounts) {
            if (m.fstype().equals("cgroup2") && ownPaths.containsKey("")) {
                Path own = m.resolve(ownPaths.get(""));
                if (own == null) {
                    continue;
                }
                Set<String> available = words(own.resolve("cgroup.controllers"));
                Set<String> delegated = words(own.resolve("cgroup.subtree_control"));
                boolean root = own.equals(m.mountPoint());
                if (available.containsAll(CONTROLLERS) && (root || delegated.containsAll(CONTROLLERS))) {
                    return new CgroupV2(own);
                }
                v2Problem = "cgroup v2 at " + own + " has controllers " + available + " and delegates " + delegated
                        + " (needs " + CONTROLLERS + " delegated, e.g. systemd Delegate=yes)";
            }
        }

        Map<String, Path> v1 = new LinkedHashMap<>();
        for (String controller : V1_HIERARCHIES) {
            for (Mount m : mounts) {
                if (m.fstype().equals("cgroup") && m.superOptions().contains(controller) && ownPaths.containsKey(controller)) {
                    Path own = m.resolve(ownPaths.get(controller));
                    if (own != null && Files.isDirectory(own)) {
                        v1.put(controller, own.resolve("era"));
                        break;
                    }
                }
            }
        }
        if (v1.keySet().stream().anyMatch(CONTROLLERS::contains)) {
            return new CgroupV1(v1);
        }
        return new Unavailable(v2Problem + ", and no cgroup v1 hierarchy for " + CONTROLLERS);
    }

    private static Set<String> words(Path file) {
        try {
            return new HashSet<>(Arrays.asList(Files.readString(file).trim().split("\\s+")));
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** Writes one control file; the message names the file and the value, the usual causes being a missing controller or a value the kernel refuses. */
    static void write(Path file, String value) {
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new EngineException("cannot write '" + value + "' to " + file + ": " + e.getMessage()
                    + "; check that the controller is enabled for the daemon's cgroup and the value is allowed",
                    Map.of("file", file.toString(), "value", value), e);
        }
    }

    /** Makes a directory, as {@code mkdir -p}, with an actionable message. */
    static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new EngineException("cannot create cgroup " + dir + ": " + e.getMessage()
                    + "; the daemon needs to run as root or own a delegated cgroup subtree", Map.of("cgroup", dir.toString()), e);
        }
    }

    /** One line of mountinfo: where a filesystem is, which subtree of it, and its options. */
    record Mount(String root, Path mountPoint, String fstype, List<String> superOptions) {
        static List<Mount> parseAll(String mountinfo) {
            List<Mount> mounts = new ArrayList<>();
            for (String line : mountinfo.split("\n")) {
                int dash = line.indexOf(" - ");
                if (dash < 0) {
                    continue;
                }
                String[] left = line.substring(0, dash).split(" ");
                String[] right = line.substring(dash + 3).split(" ");
                if (left.length < 5 || right.length < 3) {
                    continue;
                }
                mounts.add(new Mount(unescape(left[3]), Path.of(unescape(left[4])), right[0], List.of(right[2].split(","))));
            }
            return mounts;
        }

        /** The directory of a cgroup path of this hierarchy, or null when the mount does not show it. */
        Path resolve(String cgroupPath) {
            String rel;
            if (root.equals("/")) {
                rel = cgroupPath;
            } else if (cgroupPath.equals(root) || cgroupPath.startsWith(root + "/")) {
                rel = cgroupPath.substring(root.length());
            } else {
                return null;
            }
            rel = rel.replaceFirst("^/+", "");
            return rel.isEmpty() ? mountPoint : mountPoint.resolve(rel);
        }

        // mountinfo escapes space, tab, newline and backslash as \ooo
        private static String unescape(String s) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }
    }
}
