package dev.era.engine.oci;

import dev.era.api.InvalidSpecException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Resolves an image's {@code User} ({@code uid}, {@code name}, {@code uid:gid}, {@code name:group}) against its own /etc files. */
final class Users {
    private Users() {
    }

    /** {uid, gid}; root when {@code user} is empty. */
    static long[] resolve(Path rootfs, String user, String image) throws IOException {
        if (user.isEmpty()) {
            return new long[] {0, 0};
        }
        String[] parts = user.split(":", 2);
        long uid;
        long gid = -1;
        if (parts[0].matches("\\d+")) {
            uid = Long.parseLong(parts[0]);
        } else {
            String[] entry = find(rootfs.resolve("etc/passwd"), 4, parts[0], user, image);
            uid = Long.parseLong(entry[2]);
            gid = Long.parseLong(entry[3]);
        }
        if (parts.length == 2) {
            gid = parts[1].matches("\\d+") ? Long.parseLong(parts[1]) : Long.parseLong(find(rootfs.resolve("etc/group"), 3, parts[1], user, image)[2]);
        } else if (gid < 0) {
            gid = uid == 0 ? 0 : uid;
            for (String line : RuntimeSpec.lines(rootfs.resolve("etc/passwd"))) {
                String[] f = line.split(":", -1);
                if (f.length > 3 && f[2].equals(Long.toString(uid))) {
                    gid = Long.parseLong(f[3]);
                }
            }
        }
        return new long[] {uid, gid};
    }

    private static String[] find(Path file, int fields, String name, String user, String image) throws IOException {
        for (String line : RuntimeSpec.lines(file)) {
            String[] f = line.split(":", -1);
            if (f.length >= fields && f[0].equals(name) && f[2].matches("\\d+")) {
                return f;
            }
        }
        throw new InvalidSpecException("artifact", "image " + image + " runs as user '" + user + "', but its " + file.getFileName()
                + " has no '" + name + "'; fix the image's USER", Map.of("image", image));
    }
}
