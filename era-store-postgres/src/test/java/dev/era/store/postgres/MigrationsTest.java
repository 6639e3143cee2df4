package dev.era.store.postgres;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class MigrationsTest {
    @Test
    void theListedFilesAreExactlyTheResourcesAndMatchTheSqliteStoresVersions() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/postgres"))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactlyElementsOf(Migrations.FILES);
        }
        try (Stream<Path> sqlite = Files.list(Path.of("../era-store-sqlite/src/main/resources/db/sqlite"))) {
            assertThat(sqlite.map(p -> p.getFileName().toString()).sorted().toList()).containsExactlyElementsOf(Migrations.FILES);
        }
        assertThat(Migrations.known()).extracting(Migrations.Migration::version).containsExactly(1, 2);
    }
}
