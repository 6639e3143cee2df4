package dev.era.store.sqlite;

import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.OSInfo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where sqlite-jdbc loads its native library from. On its own it copies the library out of its jar
 * into the temp directory at every start, under a new name, after an MD5 of the whole 1 MiB file:
 * about 125 ms of a daemon start that must answer /health within 400 ms, and one more file in
 * /tmp for every daemon killed with SIGKILL. Instead the library is copied once per sqlite-jdbc
 * version into the data directory and sqlite-jdbc is pointed at that copy, through the two system
 * properties it reads for this ({@code org.sqlite.lib.path}, {@code org.sqlite.lib.name}). An
 * operator who set them keeps them; anything unexpected leaves sqlite-jdbc to its own way.
 */
final class NativeLibrary {
    private static final String PATH = "org.sqlite.lib.path";
    private static final String NAME = "org.sqlite.lib.name";

    private NativeLibrary() {
    }

    /** Before the first connection of this JVM; later calls change nothing (the library is loaded once). */
    static synchronized void prepare(Path dataDir) {
        if (System.getProperty(PATH) != null) {
            return;
        }
        String folder = OSInfo.getNativeLibFolderPathForCurrentOS();
        String name = System.mapLibraryName("sqlitejdbc");
        Path target = dataDir.resolve("native").resolve("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion())
                .resolve(folder.replace('/', '-')).resolve(name);
        if (!Files.isRegularFile(target) && !copy("/org/sqlite/native/" + folder + "/" + name, target)) {
            return;
        }
        System.setProperty(PATH, target.getParent().toString());
        System.setProperty(NAME, name);
    }

    /** Writes a temporary file and renames it, so that a crash never leaves half a library behind. */
    private static boolean copy(String resource, Path target) {
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                return false;
            }
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
