package dev.era.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.client.ApiKey;
import dev.era.client.IssuedKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "keys", description = "Issue and list API keys for TCP clients (needs the Unix socket or an admin key).",
        subcommands = {KeysCommand.Create.class, KeysCommand.Ls.class})
final class KeysCommand implements Runnable {
    @ParentCommand
    EraCommand root;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static ObjectNode json(ApiKey k) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", k.id());
        o.put("tenant", k.tenant());
        o.put("label", k.label());
        o.put("createdAt", k.createdAt().toString());
        return o;
    }

    @Command(name = "create", description = "Issue a key for a tenant; it is printed once (tenant 'default' makes an admin key).")
    static final class Create implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Option(names = "--tenant", required = true, paramLabel = "TENANT",
                description = "The tenant the key acts for: 1-63 of a-z 0-9 '-'.")
        String tenant;

        @Option(names = "--label", defaultValue = "", paramLabel = "TEXT", description = "A note for people, such as 'ci'.")
        String label;

        @Override
        public Integer call() {
            EraCommand root = keys.root;
            IssuedKey issued = root.client().createKey(tenant, label);
            PrintWriter out = root.out();
            if (root.json()) {
                ObjectNode o = json(issued.apiKey());
                o.put("key", issued.secret());
                Output.json(out, o);
            } else {
                ApiKey k = issued.apiKey();
                out.println("key " + k.id() + " for tenant " + k.tenant() + (k.label().isEmpty() ? "" : " (" + k.label() + ")")
                        + "; it is shown only now, so store it:");
                out.println("  " + issued.secret());
                out.println("use it as --api-key (or ERA_API_KEY) with --url http://HOST:PORT");
            }
            return 0;
        }
    }

    @Command(name = "ls", aliases = "list", description = "List the API keys: ids, tenants and labels (never secrets).")
    static final class Ls implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Override
        public Integer call() {
            EraCommand root = keys.root;
            List<ApiKey> all = root.client().keys();
            if (root.json()) {
                Output.json(root.out(), Output.array(all.stream().map(k -> (com.fasterxml.jackson.databind.JsonNode) json(k))
                        .toList()));
            } else {
                Output.table(root.out(), List.of("ID", "TENANT", "LABEL", "CREATED"), all.stream()
                        .map(k -> List.of(k.id(), k.tenant(), k.label().isEmpty() ? "-" : Output.cell(k.label(), 40),
                                k.createdAt().toString()))
                        .toList());
            }
            return 0;
        }
    }
}
