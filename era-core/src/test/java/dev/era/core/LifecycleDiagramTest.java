package dev.era.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/lifecycle.md carries the diagram generated from the table; this keeps the two equal. */
class LifecycleDiagramTest {
    private static final Path DOC = Path.of("..", "docs", "lifecycle.md");
    private static final String BEGIN = "```mermaid\n";
    private static final String END = "```\n";

    @Test
    void theDocumentedDiagramIsTheOneGeneratedFromTheTable() throws IOException {
        String expected = BEGIN + LifecycleTable.mermaid() + END;
        if (Boolean.getBoolean("era.regenerateDocs")) {
            String doc = Files.readString(DOC);
            int from = doc.indexOf(BEGIN);
            int to = doc.indexOf(END, from + BEGIN.length());
            Files.writeString(DOC, doc.substring(0, from) + expected + doc.substring(to + END.length()));
        }
        assertThat(Files.readString(DOC))
                .as("docs/lifecycle.md is stale; regenerate with ./mvnw -pl era-core test -Dera.regenerateDocs=true")
                .contains(expected);
    }

    @Test
    void theTableHasOneRowPerStateAndEventAndEveryStateIsReachable() {
        var targets = LifecycleTable.all().values().stream().map(LifecycleTable.Transition::to)
                .collect(java.util.stream.Collectors.toSet());
        targets.add(LifecycleState.VALIDATING);
        assertThat(targets).containsExactlyInAnyOrder(LifecycleState.values());
    }
}
