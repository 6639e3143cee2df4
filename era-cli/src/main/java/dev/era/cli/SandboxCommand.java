package dev.era.cli;

import dev.era.client.Sandbox;
import dev.era.client.Sandboxes;
import dev.era.client.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.List;

/** {@code era sandbox ...}: the lifecycle of sandboxes and their snapshots; exec and create have their own classes. */
@Command(name = "sandbox", description = "Create, list, run commands in, suspend, resume, snapshot and remove sandboxes.",
        subcommands = {SandboxCreateCommand.class, SandboxExecCommand.class})
final class SandboxCommand implements Runnable {
    @ParentCommand
    EraCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(root.out());
    }

    Sandboxes sandboxes() {
        return root.client().sandboxes();
    }

    void print(Sandbox s) {
        if (root.json()) {
            Output.json(root.out(), s.json());
        } else {
            root.out().println(Tables.summary(s));
        }
    }

    @Command(name = "ls", description = "List sandboxes.")
    int list() {
        List<Sandbox> all = sandboxes().list();
        if (root.json()) {
            Output.json(root.out(), Output.array(all.stream().map(Sandbox::json).toList()));
        } else if (all.isEmpty()) {
            root.out().println("no sandboxes");
        } else {
            Output.table(root.out(), Tables.SANDBOX, all.stream().map(Tables::row).toList());
        }
        return 0;
    }

    @Command(name = "get", description = "Show one sandbox.")
    int get(@Parameters(paramLabel = "ID", description = "Sandbox id.") String id) {
        Sandbox s = sandboxes().get(id);
        if (root.json()) {
            Output.json(root.out(), s.json());
        } else {
            Output.table(root.out(), Tables.SANDBOX, List.of(Tables.row(s)));
        }
        return 0;
    }

    @Command(name = "rm", description = "Stop sandboxes and remove them with their files (their snapshots stay).")
    int remove(@Parameters(paramLabel = "ID", arity = "1..*", description = "Sandbox ids.") List<String> ids) {
        for (String id : ids) {
            Sandbox s = sandboxes().delete(id);
            if (root.json()) {
                Output.jsonLine(root.out(), s.json());
            } else {
                root.out().println(s.id() + " deleted");
            }
        }
        return 0;
    }

    @Command(name = "suspend", description = "Stop a sandbox's processes and keep its workspace.")
    int suspend(@Parameters(paramLabel = "ID", description = "Sandbox id.") String id) {
        print(sandboxes().suspend(id));
        return 0;
    }

    @Command(name = "resume", description = "Run a suspended sandbox again.")
    int resume(@Parameters(paramLabel = "ID", description = "Sandbox id.") String id) {
        print(sandboxes().resume(id));
        return 0;
    }

    @Command(name = "snapshot", description = "Save a sandbox's workspace; start a new sandbox from it with create --from-snapshot.")
    int snapshot(@Parameters(paramLabel = "ID", description = "Sandbox id.") String id,
                 @Option(names = "--name", defaultValue = "", description = "A name for the snapshot.") String name,
                 @Option(names = "--async", description = "Return while the snapshot is still being saved.") boolean async) {
        Snapshot s = sandboxes().snapshot(id, name, async);
        if (root.json()) {
            Output.json(root.out(), s.json());
        } else {
            root.out().println(s.id() + " " + s.status() + " (" + Tables.size(s.sizeBytes()) + " of " + s.sandboxId()
                    + ")");
        }
        return 0;
    }

    @Command(name = "snapshots", description = "List snapshots.")
    int snapshots() {
        List<Snapshot> all = sandboxes().snapshots();
        if (root.json()) {
            Output.json(root.out(), Output.array(all.stream().map(Snapshot::json).toList()));
        } else if (all.isEmpty()) {
            root.out().println("no snapshots");
        } else {
            Output.table(root.out(), Tables.SNAPSHOT, all.stream().map(Tables::row).toList());
        }
        return 0;
    }
}
