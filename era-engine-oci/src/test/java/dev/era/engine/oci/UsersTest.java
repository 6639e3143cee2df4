package dev.era.engine.oci;

import dev.era.api.InvalidSpecException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An image's USER is resolved against the image's own /etc/passwd and /etc/group, never the host's. */
class UsersTest {
    @TempDir
    Path rootfs;

    @BeforeEach
    void etc() throws IOException {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1500:1600::/home/app:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\nstaff:x:50:\n");
    }

    @Test
    void namesNumbersAndGroupsResolve() throws IOException {
        assertThat(Users.resolve(rootfs, "", "img")).containsExactly(0, 0);
        assertThat(Users.resolve(rootfs, "app", "img")).containsExactly(1500, 1600);
        assertThat(Users.resolve(rootfs, "1500", "img")).containsExactly(1500, 1600);
        assertThat(Users.resolve(rootfs, "app:staff", "img")).containsExactly(1500, 50);
        assertThat(Users.resolve(rootfs, "42:43", "img")).containsExactly(42, 43);
        assertThat(Users.resolve(rootfs, "42", "img")).containsExactly(42, 42);
    }

    @Test
    void anUnknownNameIsRefusedNamingTheImage() {
        assertThatThrownBy(() -> Users.resolve(rootfs, "nobody", "127.0.0.1:5000/a:1"))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("127.0.0.1:5000/a:1").hasMessageContaining("'nobody'");
    }
}
