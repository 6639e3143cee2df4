package dev.era.http;

import dev.era.api.NotFoundException;
import dev.era.core.Caller;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouteModuleTest {
    /** Answers with the caller's tenant, or throws for paths ending in /missing. */
    static class EchoModule implements RouteModule {
        @Override
        public String prefix() {
            return "/compat";
        }

        @Override
        public void handle(Caller caller, Request request, Response response, Callback callback) {
            if (Request.getPathInContext(request).endsWith("/missing")) {
                throw new NotFoundException("there is no such thing; list them first");
            }
            response.setStatus(200);
            response.write(true, ByteBuffer.wrap((caller.tenant() + " " + Request.getPathInContext(request))
                    .getBytes(StandardCharsets.UTF_8)), callback);
        }
    }

    @TempDir
    static Path dir;
    static EraServer server;
    static TestHttp tcp;
    static TestHttp unix;

    @BeforeAll
    static void start() {
        server = EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.of(dir.resolve("era.sock"))),
                new FakeDeploymentService(), new FakeSandboxService(dir.resolve("sb")), new FakeAuthenticator(),
                List.of(new EchoModule()));
        tcp = TestHttp.tcp(server.tcpPort());
        unix = TestHttp.unix(server.unixSocket().orElseThrow());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void moduleRoutesSeeTheCallerOfTheApiKey() {
        TestHttp.Reply r = tcp.get("/compat/things?x=1", "Authorization", "Bearer " + FakeAuthenticator.KEY_A);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("a /compat/things");
        assertThat(tcp.get("/compat", "X-API-Key", FakeAuthenticator.KEY_B).text()).isEqualTo("b /compat");
        assertThat(unix.get("/compat/x").text()).isEqualTo("default /compat/x");
    }

    @Test
    void moduleRoutesNeedAnApiKeyOnTcp() {
        TestHttp.Reply r = tcp.get("/compat/things");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().get("error").asText()).isEqualTo("unauthorized");
    }

    @Test
    void failuresOfAModuleGoThroughTheErrorMapping() {
        TestHttp.Reply r = tcp.get("/compat/missing", "X-API-Key", FakeAuthenticator.KEY_A);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").asText()).isEqualTo("not_found");
        assertThat(r.json().get("message").asText()).contains("list them first");
    }

    @Test
    void aPathThatOnlySharesLettersWithThePrefixIsNotTheModules() {
        assertThat(tcp.get("/compatible", "X-API-Key", FakeAuthenticator.KEY_A).status()).isEqualTo(404);
        assertThat(tcp.get("/compatible", "X-API-Key", FakeAuthenticator.KEY_A).json().get("message").asText())
                .contains("openapi.json");
    }

    @Test
    void aModuleCannotTakeOverErasOwnRoutes() {
        RouteModule sandboxes = new EchoModule() {
            @Override
            public String prefix() {
                return "/sandboxes/x";
            }
        };
        assertThatThrownBy(() -> EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.empty()),
                new FakeDeploymentService(), new FakeSandboxService(dir.resolve("sb2")), new FakeAuthenticator(),
                List.of(sandboxes))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/sandboxes");
    }
}
