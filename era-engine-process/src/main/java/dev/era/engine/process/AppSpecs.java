package dev.era.engine.process;

import dev.era.api.AppSpec;
import dev.era.api.InvalidSpecException;
import dev.era.api.Volume;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** The process engine's checks of a spec, with messages that name the field and what to do. */
final class AppSpecs {
    private static final Pattern VOLUME_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    private AppSpecs() {
    }

    /** A plain process: its program must be there to run. {@code path} is the daemon's PATH. */
    static void validate(AppSpec spec, String path) {
        if (spec.command().isEmpty() || spec.command().getFirst().isBlank()) {
            throw new InvalidSpecException("command", "is empty; give the program to run and its first arguments, "
                    + "e.g. [\"/usr/bin/python3\", \"app.py\"]");
        }
        if (!spec.workingDir().isEmpty() && !Path.of(spec.workingDir()).isAbsolute()) {
            throw new InvalidSpecException("workingDir", "'" + spec.workingDir() + "' is relative; give an absolute path, "
                    + "or leave it empty to start in the install directory");
        }
        validateVolumeNames(spec);
        String program = spec.command().getFirst();
        if (!program.contains("/")) {
            String search = spec.env().getOrDefault("PATH", path);
            if (Executables.onPath(program, search).isEmpty()) {
                throw new InvalidSpecException("command", "program '" + program + "' was not found on PATH (" + search
                        + "); install it, give its absolute path, or write ./" + program + " for a file shipped in the artifact");
            }
            return;
        }
        Path p = Path.of(program);
        if (!p.isAbsolute()) {
            if (!spec.artifact().isEmpty()) {
                return; // relative to the install directory, which install fills; start checks it
            }
            if (spec.workingDir().isEmpty()) {
                throw new InvalidSpecException("command", "program '" + program + "' is relative to the install directory, "
                        + "but the spec has no artifact to put it there; give an absolute path or an artifact");
            }
            p = Path.of(spec.workingDir()).resolve(p);
        }
        if (!Executables.isExecutableFile(p)) {
            throw new InvalidSpecException("command", "program " + p + (Files.exists(p) ? " is not an executable file; chmod +x it"
                    : " does not exist; install it or fix the path"));
        }
    }

    static void validateVolumeNames(AppSpec spec) {
        for (Volume v : spec.volumes()) {
            if (!VOLUME_NAME.matcher(v.name()).matches()) {
                throw new InvalidSpecException("volumes", "volume name '" + v.name() + "' must be letters, digits, '_', '.' "
                        + "or '-', starting with a letter or digit; it names a directory");
            }
        }
    }
}
