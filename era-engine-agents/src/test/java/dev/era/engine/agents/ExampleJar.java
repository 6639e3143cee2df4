package dev.era.engine.agents;

import dev.era.agents.examples.ExampleAgents;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** The example agents as a package jar, whether the build hands them over as a jar or as a classes directory. */
final class ExampleJar {
    private ExampleJar() {
    }

    static Path in(Path dir) throws IOException, URISyntaxException {
        Path source = Path.of(ExampleAgents.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = dir.resolve("examples.jar");
        if (Files.isRegularFile(source)) {
            return Files.copy(source, jar);
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out);
             Stream<Path> walk = Files.walk(source)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(new JarEntry(source.relativize(p).toString().replace('\\', '/')));
                zip.write(Files.readAllBytes(p));
                zip.closeEntry();
            }
        }
        return jar;
    }

    /** A jar with the given entries (name → content), for packages that are broken on purpose. */
    static Path with(Path file, List<String[]> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream zip = new JarOutputStream(out)) {
            for (String[] e : entries) {
                zip.putNextEntry(new JarEntry(e[0]));
                zip.write(e[1].getBytes(java.nio.charset.StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return file;
    }
}
