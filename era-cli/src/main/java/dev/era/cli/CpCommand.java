package dev.era.cli;

import dev.era.client.Sandboxes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Copies one file between this machine and a sandbox, streamed both ways. A sandbox side is written
 * {@code ID:/path} (a relative path is under /workspace); {@code -} is standard input or output.
 */
@Command(name = "cp", description = "Copy a file into or out of a sandbox: era cp LOCAL ID:/path, or era cp ID:/path LOCAL.")
final class CpCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "A local file (or - for standard input), or ID:/path.")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET", description = "ID:/path, or a local file or directory (or - for standard output).")
    String target;

    /** A sandbox path as written on the command line. */
    record Remote(String id, String path) {
        /**
         * {@code ID:path} where ID has no '/' (so {@code ./a:b} and {@code /tmp/a:b} stay local paths).
         *
         * @return null when {@code arg} is a local path
         */
        static Remote parse(String arg) {
            int colon = arg.indexOf(':');
            if (colon <= 0 || arg.substring(0, colon).contains("/") || arg.startsWith(".")) {
                return null;
            }
            String path = arg.substring(colon + 1);
            return new Remote(arg.substring(0, colon), path.isEmpty() ? "/workspace" : path);
        }
    }

    @Override
    public Integer call() throws Exception {
        Remote from = Remote.parse(source);
        Remote to = Remote.parse(target);
        if ((from == null) == (to == null)) {
            throw new CliException("one side of cp must be a sandbox path (ID:/path) and the other a local one",
                    EraCli.USAGE);
        }
        Sandboxes sandboxes = root.client().sandboxes();
        long bytes = to != null ? upload(sandboxes, to) : download(sandboxes, from);
        if (!root.json() && !(to == null && target.equals("-"))) {
            root.err().println(Tables.size(bytes) + " copied");
        }
        return 0;
    }

    private long upload(Sandboxes sandboxes, Remote to) {
        String path = to.path().endsWith("/") && !source.equals("-")
                ? to.path() + Path.of(source).getFileName() : to.path();
        if (source.equals("-")) {
            return sandboxes.upload(to.id(), root.stdio().in(), -1, path);
        }
        Path local = Path.of(source);
        if (!Files.isRegularFile(local)) {
            throw new CliException(source + " is not a file (cp copies one file)", EraCli.USAGE);
        }
        return sandboxes.upload(to.id(), local, path);
    }

    private long download(Sandboxes sandboxes, Remote from) throws Exception {
        if (target.equals("-")) {
            root.out().flush();
            long n = sandboxes.download(from.id(), from.path(), root.stdio().out());
            root.stdio().out().flush();
            return n;
        }
        Path local = Path.of(target);
        if (Files.isDirectory(local)) {
            String name = from.path().substring(from.path().lastIndexOf('/') + 1);
            local = local.resolve(name.isEmpty() ? "download" : name);
        }
        return sandboxes.download(from.id(), from.path(), local);
    }
}
