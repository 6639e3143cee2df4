package dev.era.engine.wasm;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Function;

/**
 * The test modules, assembled from their WebAssembly text in {@code src/test/resources/wat} when a
 * test first asks, by wabt's {@code wat2wasm} compiled to WASI (from the Maven Central artifact
 * {@code com.dylibso.chicory:wabt:1.0.0}), run here directly on Chicory rather than through the
 * engine under test. Outputs go to {@code target/wat}.
 */
final class Wat {
    static final Path OUT = Path.of("target", "wat").toAbsolutePath();
    private static WasmModule wat2wasm;
    private static Function<Instance, Machine> compiled;

    private Wat() {
    }

    /** The binary module of {@code src/test/resources/wat/<name>.wat}. */
    static synchronized Path wasm(String name) {
        try {
            Files.createDirectories(OUT);
            Path wat = OUT.resolve(name + ".wat");
            Path wasm = OUT.resolve(name + ".wasm");
            try (InputStream in = resource("/wat/" + name + ".wat")) {
                byte[] text = in.readAllBytes();
                if (Files.exists(wasm) && Files.exists(wat) && java.util.Arrays.equals(Files.readAllBytes(wat), text)) {
                    return wasm;
                }
                Files.write(wat, text);
            }
            Files.deleteIfExists(wasm);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = run(List.of("wat2wasm", "/w/" + name + ".wat", "-o", "/w/" + name + ".wasm"), OUT, err);
            if (code != 0 || !Files.exists(wasm)) {
                throw new AssertionError("wat2wasm failed on " + name + ".wat (exit " + code + "): " + err.toString(StandardCharsets.UTF_8));
            }
            return wasm;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A WASI program shipped inside the wabt jar ({@code wat2wasm}, {@code wast2json}), copied to {@code target/wabt}. */
    static synchronized Path wabtProgram(String name) {
        try {
            Path out = Path.of("target", "wabt").toAbsolutePath().resolve(name + ".wasm");
            if (!Files.exists(out)) {
                Files.createDirectories(out.getParent());
                try (InputStream in = resource("/" + name)) {
                    Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int run(List<String> argv, Path dir, ByteArrayOutputStream err) {
        if (wat2wasm == null) {
            wat2wasm = Parser.parse(wabtProgram("wat2wasm"));
            compiled = MachineFactoryCompiler.compile(wat2wasm);
        }
        WasiOptions options = WasiOptions.builder().withArguments(argv).withStderr(err).withStdout(err)
                .withDirectory("/w", dir).build();
        try (WasiPreview1 wasi = WasiPreview1.builder().withLogger(ChicoryLog.QUIET).withOptions(options).build()) {
            Instance.builder(wat2wasm).withMachineFactory(compiled)
                    .withImportValues(ImportValues.builder().addFunction(wasi.toHostFunctions()).build()).build();
            return 0;
        } catch (WasiExitException e) {
            return e.exitCode();
        }
    }

    private static InputStream resource(String name) {
        InputStream in = Wat.class.getResourceAsStream(name);
        if (in == null) {
            throw new AssertionError("test resource " + name + " is missing from the class path");
        }
        return in;
    }
}
