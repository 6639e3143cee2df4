package dev.era.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.client.Plugin;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "plugins", description = "List the engines and what they can do.")
final class PluginsCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @Override
    public Integer call() {
        List<Plugin> plugins = root.client().plugins();
        if (root.json()) {
            Output.json(root.out(), Output.array(plugins.stream().map(PluginsCommand::json).toList()));
        } else {
            Output.table(root.out(), List.of("NAME", "CAPABILITIES"), plugins.stream()
                    .map(p -> List.of(p.name(), p.capabilities().isEmpty() ? "-" : String.join(",", p.capabilities())))
                    .toList());
        }
        return 0;
    }

    private static JsonNode json(Plugin p) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", p.name());
        p.capabilities().forEach(o.putArray("capabilities")::add);
        return o;
    }
}
