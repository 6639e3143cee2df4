package dev.era.cli;

import dev.era.client.SpecVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "history", description = "List the stored versions of a deployment's spec, oldest first.")
final class HistoryCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @Parameters(paramLabel = "NAME", description = "Deployment name or id.")
    String name;

    @Override
    public Integer call() {
        List<SpecVersion> all = root.client().versions(name);
        if (root.json()) {
            Output.json(root.out(), Output.array(all.stream().map(v -> {
                var o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
                o.put("version", v.version()).put("current", v.current()).put("createdAt", v.createdAt().toString());
                o.set("spec", v.spec());
                return (com.fasterxml.jackson.databind.JsonNode) o;
            }).toList()));
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        SpecVersion previous = null;
        for (SpecVersion v : all) {
            rows.add(List.of(Integer.toString(v.version()), v.current() ? "*" : "", v.createdAt().toString(),
                    changes(previous, v)));
            previous = v;
        }
        Output.table(root.out(), List.of("VERSION", "CURRENT", "CREATED", "CHANGED"), rows);
        return 0;
    }

    /** The top-level spec fields that differ from the previous version. */
    private static String changes(SpecVersion previous, SpecVersion v) {
        if (previous == null) {
            return "(first version)";
        }
        List<String> changed = new ArrayList<>();
        v.spec().fieldNames().forEachRemaining(f -> {
            if (!v.spec().get(f).equals(previous.spec().get(f))) {
                changed.add(f);
            }
        });
        previous.spec().fieldNames().forEachRemaining(f -> {
            if (!v.spec().has(f)) {
                changed.add(f);
            }
        });
        return changed.isEmpty() ? "(same spec)" : String.join(", ", changed);
    }
}
