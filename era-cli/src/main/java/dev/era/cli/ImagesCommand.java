package dev.era.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.GcReport;
import dev.era.api.ImageInfo;
import dev.era.api.ImageRemoval;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "images", description = "List, pull and remove the container images of the daemon's host (the oci engine's cache).",
        subcommands = {ImagesCommand.Ls.class, ImagesCommand.Pull.class, ImagesCommand.Rm.class, ImagesCommand.Gc.class})
final class ImagesCommand implements Runnable {
    static final List<String> COLUMNS = List.of("REFERENCE", "DIGEST", "SIZE", "LAYERS", "PULLED", "LAST USED", "USED BY");

    enum Progress { auto, tty, plain }

    @ParentCommand
    EraCommand root;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static ObjectNode json(ImageInfo i) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("digest", i.digest());
        i.references().forEach(o.putArray("references")::add);
        o.put("size", i.sizeBytes());
        o.put("layers", i.layers());
        o.put("pulledAt", i.pulledAt().toString());
        if (i.lastUsed().isPresent()) {
            o.put("lastUsed", i.lastUsed().get().toString());
        } else {
            o.putNull("lastUsed");
        }
        i.usedBy().forEach(o.putArray("usedBy")::add);
        return o;
    }

    static ObjectNode json(GcReport g) {
        return JsonNodeFactory.instance.objectNode().put("blobs", g.blobs()).put("layers", g.layers()).put("bytesFreed", g.bytesFreed());
    }

    static String freed(GcReport g) {
        return "deleted " + g.blobs() + " blob" + (g.blobs() == 1 ? "" : "s") + " and " + g.layers() + " unpacked layer"
                + (g.layers() == 1 ? "" : "s") + ", freed " + Tables.size(g.bytesFreed());
    }

    @Command(name = "ls", aliases = "list", description = "List the pulled images: one row per reference, with digest, size and use.")
    static final class Ls implements Callable<Integer> {
        @ParentCommand
        ImagesCommand images;

        @Override
        public Integer call() {
            EraCommand root = images.root;
            List<ImageInfo> all = root.client().images().list();
            if (root.json()) {
                Output.json(root.out(), Output.array(all.stream().map(i -> (JsonNode) json(i)).toList()));
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            for (ImageInfo i : all) {
                for (String ref : i.references()) {
                    rows.add(List.of(ref, PullDisplay.shortDigest(i.digest()), Tables.size(i.sizeBytes()), Integer.toString(i.layers()),
                            i.pulledAt().toString(), i.lastUsed().map(Object::toString).orElse("never"),
                            i.usedBy().isEmpty() ? "-" : String.join(",", i.usedBy())));
                }
            }
            Output.table(root.out(), COLUMNS, rows);
            return 0;
        }
    }

    @Command(name = "pull", description = "Pull an image onto the daemon's host, showing each layer's progress.")
    static final class Pull implements Callable<Integer> {
        @ParentCommand
        ImagesCommand images;

        @Parameters(paramLabel = "REFERENCE", description = "The image, such as 127.0.0.1:5000/tools/busybox:1 or busybox@sha256:...")
        String reference;

        @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
                description = "tty (bars redrawn in place), plain (a line per step) or auto: tty when standard output is a"
                        + " terminal (default ${DEFAULT-VALUE}).")
        Progress progress;

        @Override
        public Integer call() {
            EraCommand root = images.root;
            if (root.json()) {
                ImageInfo image = root.client().images().pull(reference, p -> { });
                Output.json(root.out(), json(image));
                return 0;
            }
            boolean live = progress == Progress.tty || (progress == Progress.auto && root.stdio().outIsTerminal());
            ImageInfo image = root.client().images().pull(reference, PullDisplay.of(live, root.out()));
            root.out().println("pulled " + String.join(", ", image.references()) + " (" + image.digest() + ", "
                    + Tables.size(image.sizeBytes()) + ")");
            return 0;
        }
    }

    @Command(name = "rm", description = "Remove an image reference (or, given a digest, every reference to the image) and"
            + " delete the blobs nothing uses any more. Refused while a deployment runs on the image, unless --force.")
    static final class Rm implements Callable<Integer> {
        @ParentCommand
        ImagesCommand images;

        @Parameters(paramLabel = "REFERENCE", description = "A reference as `era images ls` shows it, or an image digest.")
        String reference;

        @Option(names = {"-f", "--force"}, description = "Remove it even when a deployment uses it; its blobs stay while they are used.")
        boolean force;

        @Override
        public Integer call() {
            EraCommand root = images.root;
            ImageRemoval r = root.client().images().remove(reference, force);
            if (root.json()) {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                r.references().forEach(o.putArray("removed")::add);
                o.set("gc", json(r.gc()));
                Output.json(root.out(), o);
            } else {
                r.references().forEach(ref -> root.out().println("removed " + ref));
                root.out().println(freed(r.gc()));
            }
            return 0;
        }
    }

    @Command(name = "gc", description = "Delete every blob and unpacked layer that no reference and no deployment uses.")
    static final class Gc implements Callable<Integer> {
        @ParentCommand
        ImagesCommand images;

        @Override
        public Integer call() {
            EraCommand root = images.root;
            GcReport g = root.client().images().collectGarbage();
            if (root.json()) {
                Output.json(root.out(), json(g));
            } else {
                root.out().println(freed(g));
            }
            return 0;
        }
    }
}
