package dev.era.store.sqlite;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;

/** The properties are global to the JVM: each test starts without them and puts back what was there. */
class NativeLibraryTest {
    private static final String PATH = "org.sqlite.lib.path";
    private static final String NAME = "org.sqlite.lib.name";

    @TempDir
    Path dir;
    private String path;
    private String name;

    @BeforeEach
    void clear() {
        path = System.clearProperty(PATH);
        name = System.clearProperty(NAME);
    }

    @AfterEach
    void restore() {
        set(PATH, path);
        set(NAME, name);
    }

    @Test
    void theLibraryIsCopiedOnceIntoTheDataDirectoryAndSqliteJdbcIsPointedAtIt() throws IOException {
        NativeLibrary.prepare(dir);

        Path lib = Path.of(System.getProperty(PATH), System.getProperty(NAME));
        assertThat(lib).startsWith(dir.resolve("native")).isRegularFile();
        assertThat(Files.size(lib)).isGreaterThan(100_000);
        FileTime copied = Files.getLastModifiedTime(lib);

        System.clearProperty(PATH);
        NativeLibrary.prepare(dir);

        assertThat(Files.getLastModifiedTime(lib)).as("not copied again").isEqualTo(copied);
        try (var files = Files.list(lib.getParent())) {
            assertThat(files).as("no temporary file left").containsExactly(lib);
        }
    }

    @Test
    void anOperatorsChoiceIsKept() {
        System.setProperty(PATH, "/opt/sqlite");

        NativeLibrary.prepare(dir);

        assertThat(System.getProperty(PATH)).isEqualTo("/opt/sqlite");
        assertThat(dir.resolve("native")).doesNotExist();
    }

    private static void set(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
