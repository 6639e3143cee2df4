package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AdminRoutesTest extends ApiTest {
    private static final String JSON = "application/json";

    @Test
    void theUnixSocketIssuesAKeyThatThenAuthenticatesAsItsTenant() {
        TestHttp.Reply r = unix.post("/admin/keys", "{\"tenant\": \"acme\", \"label\": \"ci\"}", "Content-Type", JSON);

        assertThat(r.status()).isEqualTo(201);
        JsonNode key = r.json();
        assertThat(key.get("tenant").asText()).isEqualTo("acme");
        assertThat(key.get("label").asText()).isEqualTo("ci");
        assertThat(key.get("id").asText()).isNotBlank();
        assertThat(r.header("location")).isEqualTo("/admin/keys/" + key.get("id").asText());
        TestHttp.Reply asAcme = tcp.post("/deployments", spec("web"),
                "Authorization", "Bearer " + key.get("key").asText(), "Content-Type", YAML);
        assertThat(asAcme.status()).isEqualTo(201);
        assertThat(asAcme.json().get("tenant").asText()).isEqualTo("acme");
    }

    @Test
    void anAdminKeyOnTcpMayIssueKeysAndTheLabelIsOptional() {
        TestHttp.Reply r = tcp.post("/admin/keys", "{\"tenant\": \"acme\"}", "Authorization",
                "Bearer " + FakeAuthenticator.ADMIN_KEY, "Content-Type", JSON);

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().get("label").asText()).isEmpty();
    }

    @Test
    void aTenantKeyIsForbiddenWithHowToBecomeAdmin() {
        for (String method : new String[]{"GET", "POST"}) {
            TestHttp.Reply r = tcp.send(method, "/admin/keys", "{\"tenant\": \"b\"}".getBytes(),
                    with(KEY_A, "Content-Type", JSON));

            assertThat(r.status()).as(method).isEqualTo(403);
            assertThat(r.json().get("error").asText()).isEqualTo("forbidden");
            assertThat(r.json().get("message").asText()).contains("Unix socket").contains("'default'");
        }
        assertThat(unix.get("/admin/keys").json().get("keys")).isEmpty();
    }

    @Test
    void listingShowsIdsTenantsAndLabelsButNeverSecrets() {
        String secret = unix.post("/admin/keys", "{\"tenant\": \"acme\", \"label\": \"ci\"}", "Content-Type", JSON)
                .json().get("key").asText();

        TestHttp.Reply r = unix.get("/admin/keys");

        assertThat(r.status()).isEqualTo(200);
        JsonNode k = r.json().get("keys").get(0);
        assertThat(k.get("tenant").asText()).isEqualTo("acme");
        assertThat(k.get("label").asText()).isEqualTo("ci");
        assertThat(k.has("createdAt")).isTrue();
        assertThat(r.text()).doesNotContain(secret).doesNotContain("hash");
    }

    @Test
    void badBodiesAreRefusedNamingTheFieldAndNoKeyIsMade() {
        String[][] cases = {
                {"{}", "tenant"},
                {"{\"tenant\": \"acme\", \"role\": \"admin\"}", "role"},
                {"{\"tenant\": 7}", "tenant"},
                {"{\"tenant\": \"acme\", \"label\": []}", "label"},
                {"{\"tenant\": \"Not Valid\"}", "tenant"},
                {"[\"acme\"]", "JSON object"},
                {"{\"tenant\": ", "not valid JSON"},
                {"", "empty"},
        };
        for (String[] c : cases) {
            TestHttp.Reply r = unix.post("/admin/keys", c[0], "Content-Type", JSON);

            assertThat(r.status()).as(c[0]).isEqualTo(400);
            assertThat(r.json().get("message").asText()).as(c[0]).contains(c[1]);
        }
        assertThat(unix.get("/admin/keys").json().get("keys")).isEmpty();
    }
}
