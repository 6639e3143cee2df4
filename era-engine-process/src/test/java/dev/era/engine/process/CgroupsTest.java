package dev.era.engine.process;

import dev.era.api.EngineException;
import dev.era.api.Resources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Detection and limit writing, on directory trees that look like cgroupfs. */
class CgroupsTest {
    @TempDir
    Path root;

    private String mount(int id, String point, String fstype, String options) {
        return id + " 31 0:" + id + " / " + root.resolve(point) + " rw,relatime - " + fstype + " " + fstype + " " + options + "\n";
    }

    private void file(String path, String content) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    @Test
    void hybridHostWithoutV2ControllersUsesV1UnderTheDaemonsOwnCgroups() throws IOException {
        // this is what the ERA build hosts look like: v1 controllers, an empty unified mount, a nested memory cgroup
        String mountinfo = mount(32, "cpu", "cgroup", "rw,cpu") + mount(35, "memory", "cgroup", "rw,memory")
                + mount(39, "pids", "cgroup", "rw,pids") + mount(41, "unified", "cgroup2", "rw");
        String self = "8:pids:/\n4:memory:/box/42\n1:cpu:/\n0::/\n";
        file("unified/cgroup.controllers", "\n");
        Files.createDirectories(root.resolve("memory/box/42"));
        Files.createDirectories(root.resolve("pids"));
        Files.createDirectories(root.resolve("cpu"));

        Cgroups cgroups = Cgroups.detect(mountinfo, self);

        assertThat(cgroups).isEqualTo(new CgroupV1(Map.of("memory", root.resolve("memory/box/42/era"),
                "pids", root.resolve("pids/era"), "cpu", root.resolve("cpu/era"))));
    }

    @Test
    void coMountedCpuAndCpuacctIsFound() throws IOException {
        String mountinfo = mount(32, "cpu,cpuacct", "cgroup", "rw,cpu,cpuacct");
        Files.createDirectories(root.resolve("cpu,cpuacct/daemon"));

        assertThat(Cgroups.detect(mountinfo, "3:cpu,cpuacct:/daemon\n"))
                .isEqualTo(new CgroupV1(Map.of("cpu", root.resolve("cpu,cpuacct/daemon/era"))));
    }

    @Test
    void v2WithDelegatedControllersIsPreferred() throws IOException {
        String mountinfo = mount(35, "memory", "cgroup", "rw,memory") + mount(41, "unified", "cgroup2", "rw");
        file("unified/svc/cgroup.controllers", "cpuset cpu io memory pids\n");
        file("unified/svc/cgroup.subtree_control", "cpu memory pids\n");
        Files.createDirectories(root.resolve("memory"));

        assertThat(Cgroups.detect(mountinfo, "4:memory:/\n0::/svc\n")).isEqualTo(new CgroupV2(root.resolve("unified/svc")));
    }

    @Test
    void v2WithoutDelegationAndNoV1IsUnavailableAndSaysWhy() throws IOException {
        file("unified/svc/cgroup.controllers", "cpu memory pids\n");
        file("unified/svc/cgroup.subtree_control", "\n");

        Cgroups cgroups = Cgroups.detect(mount(41, "unified", "cgroup2", "rw"), "0::/svc\n");

        assertThat(cgroups).isInstanceOf(Cgroups.Unavailable.class);
        assertThat(cgroups.describe()).contains("Delegate=yes");
        assertThat(cgroups.create("x", Resources.UNLIMITED)).isEqualTo(Cgroup.NONE);
        assertThatThrownBy(() -> cgroups.create("x", new Resources(0, 0, 10)))
                .isInstanceOf(EngineException.class).hasMessageContaining("cannot be enforced");
    }

    @Test
    void v1WritesEachLimitIntoItsHierarchy() throws IOException {
        Files.createDirectories(root.resolve("memory/era/d-1-v1-a"));
        Files.writeString(root.resolve("memory/era/d-1-v1-a/memory.memsw.limit_in_bytes"), "max");
        CgroupV1 v1 = new CgroupV1(Map.of("memory", root.resolve("memory/era"), "pids", root.resolve("pids/era"),
                "cpu", root.resolve("cpu/era")));

        Cgroup group = v1.create("d-1-v1-a", new Resources(1.5, 1 << 20, 9));

        assertThat(group.dirs()).containsExactly(root.resolve("memory/era/d-1-v1-a"), root.resolve("pids/era/d-1-v1-a"),
                root.resolve("cpu/era/d-1-v1-a"));
        assertThat(Files.readString(root.resolve("memory/era/d-1-v1-a/memory.limit_in_bytes"))).isEqualTo("1048576");
        assertThat(Files.readString(root.resolve("memory/era/d-1-v1-a/memory.memsw.limit_in_bytes"))).isEqualTo("1048576");
        assertThat(Files.readString(root.resolve("pids/era/d-1-v1-a/pids.max"))).isEqualTo("9");
        assertThat(Files.readString(root.resolve("cpu/era/d-1-v1-a/cpu.cfs_quota_us"))).isEqualTo("150000");
        assertThat(v1.leftovers("d-1-v1-").dirs()).hasSize(3);
        assertThat(v1.leftovers("d-2-v1-").dirs()).isEmpty();
    }

    @Test
    void v1JoinsOnlyTheHierarchiesOfItsLimitsAndTheFreezer() throws IOException {
        CgroupV1 v1 = new CgroupV1(Map.of("memory", root.resolve("memory/era"), "pids", root.resolve("pids/era"),
                "cpu", root.resolve("cpu/era"), "freezer", root.resolve("freezer/era")));

        assertThat(v1.create("plain", Resources.UNLIMITED).dirs()).containsExactly(root.resolve("freezer/era/plain"));
        assertThat(v1.create("capped", new Resources(0, 1 << 20, 0)).dirs())
                .containsExactly(root.resolve("memory/era/capped"), root.resolve("freezer/era/capped"));
        assertThat(new CgroupV1(Map.of("pids", root.resolve("pids/era"))).create("tracked", Resources.UNLIMITED).dirs())
                .as("without a freezer, one hierarchy still tracks the processes")
                .containsExactly(root.resolve("pids/era/tracked"));
    }

    @Test
    void v1RefusesALimitWhoseControllerIsNotMounted() {
        CgroupV1 v1 = new CgroupV1(Map.of("memory", root.resolve("memory/era")));

        assertThatThrownBy(() -> v1.create("x", new Resources(0, 0, 5)))
                .isInstanceOf(EngineException.class).hasMessageContaining("'pids'");
    }

    @Test
    void v2EnablesControllersAndWritesLimits() throws IOException {
        CgroupV2 v2 = new CgroupV2(root.resolve("unified/svc"));
        Files.createDirectories(root.resolve("unified/svc"));

        Cgroup group = v2.create("d-1-v1-a", new Resources(0.25, 1 << 20, 9));

        Path dir = root.resolve("unified/svc/era/d-1-v1-a");
        assertThat(group.dirs()).containsExactly(dir);
        assertThat(Files.readString(root.resolve("unified/svc/era/cgroup.subtree_control"))).isEqualTo("+memory +pids +cpu");
        assertThat(Files.readString(dir.resolve("memory.max"))).isEqualTo("1048576");
        assertThat(Files.readString(dir.resolve("pids.max"))).isEqualTo("9");
        assertThat(Files.readString(dir.resolve("cpu.max"))).isEqualTo("25000 100000");
    }

    @Test
    void oomCounterIsFoundForEitherVersion() throws IOException {
        file("a/memory.oom_control", "oom_kill 0\n");
        file("b/memory.events", "oom_kill 0\n");

        assertThat(new Cgroup(List.of(root.resolve("a"))).oomCounter()).contains(root.resolve("a/memory.oom_control"));
        assertThat(new Cgroup(List.of(root.resolve("b"))).oomCounter()).contains(root.resolve("b/memory.events"));
        assertThat(Cgroup.NONE.oomCounter()).isEmpty();
    }

    @Test
    void theV1FreezerHierarchyIsUsedWhenMountedButIsNoReasonForV1Alone() throws IOException {
        String mountinfo = mount(35, "memory", "cgroup", "rw,memory") + mount(36, "freezer", "cgroup", "rw,freezer");
        Files.createDirectories(root.resolve("memory"));
        Files.createDirectories(root.resolve("freezer"));

        assertThat(Cgroups.detect(mountinfo, "4:memory:/\n6:freezer:/\n")).isEqualTo(new CgroupV1(Map.of(
                "memory", root.resolve("memory/era"), "freezer", root.resolve("freezer/era"))));
        assertThat(Cgroups.detect(mount(36, "freezer", "cgroup", "rw,freezer"), "6:freezer:/\n"))
                .isInstanceOf(Cgroups.Unavailable.class);
    }

    @Test
    void freezingWritesTheControlFileOfEitherVersionAndReadsTheStateBack() throws IOException {
        file("v1/freezer.state", "THAWED\n");
        file("v2/cgroup.freeze", "0\n");
        file("v2/cgroup.events", "populated 1\nfrozen 0\n");
        Cgroup v1 = new Cgroup(List.of(root.resolve("v1")));
        Cgroup v2 = new Cgroup(List.of(root.resolve("v2")));

        v1.requestFrozen(true);
        v2.requestFrozen(true);

        assertThat(Files.readString(root.resolve("v1/freezer.state"))).isEqualTo("FROZEN");
        assertThat(Files.readString(root.resolve("v2/cgroup.freeze"))).isEqualTo("1");
        assertThat(v1.frozen()).as("the fake v1 file reads back what was written").isTrue();
        assertThat(v2.frozen()).as("v2 is frozen when cgroup.events says so").isFalse();
        file("v2/cgroup.events", "populated 1\nfrozen 1\n");
        assertThat(v2.frozen()).isTrue();
        assertThat(Cgroup.NONE.freezer()).isEmpty();
        assertThat(Cgroup.NONE.frozen()).isFalse();
    }

    @Test
    void mountinfoEscapesAreDecoded() {
        List<Cgroups.Mount> mounts = Cgroups.Mount.parseAll("41 31 0:38 / /sys/fs/my\\040cgroup rw - cgroup2 cgroup2 rw\n");

        assertThat(mounts).singleElement().extracting(Cgroups.Mount::mountPoint).isEqualTo(Path.of("/sys/fs/my cgroup"));
    }

    @Test
    void aMountOfAnotherSubtreeDoesNotShowTheDaemonsCgroup() {
        Cgroups.Mount m = new Cgroups.Mount("/docker/abc", Path.of("/sys/fs/cgroup/memory"), "cgroup", List.of("memory"));

        assertThat(m.resolve("/docker/abc/era")).isEqualTo(Path.of("/sys/fs/cgroup/memory/era"));
        assertThat(m.resolve("/docker/abc")).isEqualTo(Path.of("/sys/fs/cgroup/memory"));
        assertThat(m.resolve("/other")).isNull();
    }
}
