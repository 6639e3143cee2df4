package dev.era.http;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AuthTest extends ApiTest {
    @Test
    void healthIsOpenOnBothTransports() {
        for (TestHttp http : new TestHttp[]{tcp, unix}) {
            TestHttp.Reply r = http.get("/health");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("status").asText()).isEqualTo("ok");
            assertThat(r.header("content-type")).startsWith("application/json");
        }
    }

    @Test
    void tcpWithoutKeyIsRejectedWithHowToPassOne() {
        TestHttp.Reply r = tcp.get("/deployments");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().get("error").asText()).isEqualTo("unauthorized");
        assertThat(r.json().get("message").asText()).contains("Authorization: Bearer <key>").contains("X-API-Key");
        assertThat(r.header("www-authenticate")).startsWith("Bearer");
    }

    @Test
    void tcpWithUnknownKeyIsRejectedWithHowToPassOne() {
        TestHttp.Reply r = tcp.get("/deployments", "Authorization", "Bearer nope");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().get("message").asText()).contains("unknown API key").contains("X-API-Key");
    }

    @Test
    void authorizationHeaderMustUseBearer() {
        TestHttp.Reply r = tcp.get("/deployments", "Authorization", "Basic a2V5OnNlY3JldA==");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().get("message").asText()).contains("Bearer");
    }

    @Test
    void bearerAndXApiKeyBothAuthenticate() {
        assertThat(tcp.get("/deployments", KEY_A).status()).isEqualTo(200);
        assertThat(tcp.get("/deployments", KEY_B).status()).isEqualTo(200);
        assertThat(tcp.get("/deployments", "authorization", "bearer " + FakeAuthenticator.KEY_A).status()).isEqualTo(200);
    }

    @Test
    void unixSocketNeedsNoKeyAndSeesEveryTenant() {
        assertThat(tcp.post("/deployments", spec("web"), with(KEY_A, "Content-Type", YAML)).status()).isEqualTo(201);
        assertThat(tcp.post("/deployments", spec("db"), with(KEY_B, "Content-Type", YAML)).status()).isEqualTo(201);

        TestHttp.Reply all = unix.get("/deployments");
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.json().get("deployments")).hasSize(2);
    }

    @Test
    void aTenantDoesNotSeeAnotherTenantsDeployments() {
        tcp.post("/deployments", spec("web"), with(KEY_A, "Content-Type", YAML));

        assertThat(tcp.get("/deployments", KEY_B).json().get("deployments")).isEmpty();
        assertThat(tcp.get("/deployments/web", KEY_B).status()).isEqualTo(404);
        assertThat(tcp.get("/deployments/web", KEY_A).status()).isEqualTo(200);
    }

    @Test
    void unknownRouteIsFoundBeforeAuthentication() {
        TestHttp.Reply r = tcp.get("/nope");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").asText()).isEqualTo("not_found");
    }
}
