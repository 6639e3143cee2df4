package dev.era.engine.wasm;

import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WasmHandleTest {
    @Test
    void aHandleReadsBackAsItWasWritten() {
        WasmHandle h = new WasmHandle(DeploymentId.random(), 3, "1a2b3c4d-17");

        assertThat(WasmHandle.decode(h.encode())).isEqualTo(h);
        assertThat(h.encode().engine()).isEqualTo("wasm");
    }

    @Test
    void anotherEnginesOrAGarbledHandleIsRefused() {
        assertThatThrownBy(() -> WasmHandle.decode(new EngineHandle("process", new byte[0])))
                .isInstanceOf(EngineException.class).hasMessageContaining("handle of engine 'process'");
        assertThatThrownBy(() -> WasmHandle.decode(new EngineHandle("wasm", "era-wasm-handle 1\nid=x\n".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(EngineException.class).hasMessageContaining("corrupt");
    }

    @Test
    void theCacheIsDerivedFromTheDataDirectoryLayout() {
        assertThat(CacheDir.of(Path.of("/var/era/deployments/d-0123456789ab/v7"))).isEqualTo(Path.of("/var/era/cache/wasm"));
        assertThat(CacheDir.of(Path.of("/srv/somewhere/install"))).isEqualTo(Path.of("/srv/somewhere/.wasm-cache"));
    }
}
