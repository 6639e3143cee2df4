package dev.era.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a version's install directory held when it was installed (each file's size and modification
 * time), kept in a file beside it, so the reconciler can tell when someone changed it afterwards.
 */
final class InstallFingerprint {
    private static final int MAX_FILES = 10_000;
    private static final int MAX_NAMED = 5;

    private InstallFingerprint() {
    }

    static Path file(Layout layout, Deployment d) {
        return layout.deploymentDir(d.id()).resolve("installed-v" + d.version() + ".sum");
    }

    static Map<String, String> of(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.limit(MAX_FILES)::iterator) {
                if (p.equals(dir)) {
                    continue;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    out.put(dir.relativize(p).toString(), a.isDirectory() ? "dir"
                            : a.size() + " " + a.lastModifiedTime().toMillis());
                } catch (NoSuchFileException gone) {
                    // removed while walking
                }
            }
        }
        return out;
    }

    static void save(Path dir, Path file) throws IOException {
        StringBuilder b = new StringBuilder();
        of(dir).forEach((k, v) -> b.append(v).append('\t').append(k).append('\n'));
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, b, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** What differs between the saved fingerprint and the directory now; empty when nothing does (or none was saved). */
    static Optional<String> compare(Path dir, Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Map<String, String> then = new TreeMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                then.put(line.substring(tab + 1), line.substring(0, tab));
            }
        }
        Map<String, String> now = of(dir);
        List<String> changed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        now.forEach((k, v) -> {
            String before = then.get(k);
            if (before == null) {
                added.add(k);
            } else if (!before.equals(v)) {
                changed.add(k);
            }
        });
        then.keySet().stream().filter(k -> !now.containsKey(k)).forEach(removed::add);
        if (changed.isEmpty() && added.isEmpty() && removed.isEmpty()) {
            return Optional.empty();
        }
        List<String> parts = new ArrayList<>();
        describe(parts, "changed", changed);
        describe(parts, "added", added);
        describe(parts, "removed", removed);
        return Optional.of("install directory " + dir + " differs from what was installed: " + String.join("; ", parts));
    }

    private static void describe(List<String> parts, String how, List<String> files) {
        if (!files.isEmpty()) {
            parts.add(how + " " + String.join(", ", files.subList(0, Math.min(MAX_NAMED, files.size())))
                    + (files.size() > MAX_NAMED ? " and " + (files.size() - MAX_NAMED) + " more" : ""));
        }
    }
}
