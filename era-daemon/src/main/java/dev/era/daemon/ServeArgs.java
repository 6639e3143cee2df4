package dev.era.daemon;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The arguments of a plain {@code era serve [--data-dir DIR] [--listen HOST:PORT]}, read without
 * picocli. Picocli's classes are Java 5 bytecode: they are verified the slow way and cannot be kept
 * in the AOT cache, and building even one command's model costs more start-up time than the rest
 * of the command line put together. Anything else (help, an unknown option) is left to picocli,
 * which then reports it as usual.
 */
record ServeArgs(Optional<Path> dataDir, String listen) {
    static final String DEFAULT_LISTEN = "127.0.0.1:7878";

    static Optional<ServeArgs> parse(String... args) {
        Path dataDir = null;
        String listen = null;
        boolean serve = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            boolean inline = a.contains("=");
            if (a.equals("serve") && !serve) {
                serve = true;
                continue;
            }
            if (!name.equals("--data-dir") && !name.equals("--listen")) {
                return Optional.empty();
            }
            String value;
            if (inline) {
                value = a.substring(a.indexOf('=') + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return Optional.empty();
            }
            if (name.equals("--data-dir") && dataDir == null && !value.isEmpty()) {
                dataDir = Path.of(value);
            } else if (name.equals("--listen") && serve && listen == null) {
                listen = value;
            } else {
                return Optional.empty();
            }
        }
        return serve ? Optional.of(new ServeArgs(Optional.ofNullable(dataDir), listen == null ? DEFAULT_LISTEN : listen))
                : Optional.empty();
    }
}
