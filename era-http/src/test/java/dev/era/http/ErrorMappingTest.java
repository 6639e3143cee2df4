package dev.era.http;

import dev.era.api.BadRequestException;
import dev.era.api.ConflictException;
import dev.era.api.EngineException;
import dev.era.api.EraException;
import dev.era.api.IllegalTransitionException;
import dev.era.api.InvalidSpecException;
import dev.era.api.NotFoundException;
import dev.era.api.PayloadTooLargeException;
import dev.era.api.QuotaExceededException;
import dev.era.api.StoreException;
import dev.era.api.UnauthorizedException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorMappingTest extends ApiTest {
    private record Case(EraException failure, int status, String code) {}

    @Test
    void everyEraExceptionMapsToItsStatusCodeAndDetails() {
        List<Case> cases = List.of(
                new Case(new InvalidSpecException("command", "is required"), 400, "invalid_spec"),
                new Case(new BadRequestException("bad"), 400, "bad_request"),
                new Case(new UnauthorizedException("who are you"), 401, "unauthorized"),
                new Case(new NotFoundException("no such thing", Map.of("ref", "x")), 404, "not_found"),
                new Case(new ConflictException("taken"), 409, "conflict"),
                new Case(new IllegalTransitionException("d-0123456789ab", "STOPPED", "stop", List.of("RUNNING", "STOPPED")),
                        409, "illegal_transition"),
                new Case(new PayloadTooLargeException("too big"), 413, "payload_too_large"),
                new Case(new QuotaExceededException("too many", Map.of("limit", 3)), 429, "quota_exceeded"),
                new Case(new EngineException("runc said no"), 502, "engine_error"),
                new Case(new StoreException("disk full"), 503, "store_error"));
        for (Case c : cases) {
            fake.failNext(c.failure());

            TestHttp.Reply r = unix.get("/deployments");

            assertThat(r.status()).as(c.code()).isEqualTo(c.status());
            assertThat(r.header("content-type")).startsWith("application/json");
            assertThat(r.json().get("error").asText()).isEqualTo(c.code());
            assertThat(r.json().get("message").asText()).isEqualTo(c.failure().getMessage());
            assertThat(r.json().get("details").size()).isEqualTo(c.failure().details().size());
        }
    }

    @Test
    void anUnexpectedExceptionIsAnInternalErrorWithoutStackTrace() {
        expectInternalError();
        fake.failNext(new IllegalStateException("secret internals at com.example.Foo"));

        TestHttp.Reply r = unix.get("/deployments");

        assertThat(r.status()).isEqualTo(500);
        assertThat(r.json().get("error").asText()).isEqualTo("internal");
        assertThat(r.json().get("message").asText()).contains("daemon log");
        assertThat(r.text()).doesNotContain("secret").doesNotContain("Exception").doesNotContain("at dev.era");
    }

    @Test
    void unknownRouteIs404Json() {
        TestHttp.Reply r = unix.get("/nothing/here");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").asText()).isEqualTo("not_found");
        assertThat(r.json().get("message").asText()).contains("/openapi.json");
    }

    @Test
    void wrongMethodIs405WithAllow() {
        TestHttp.Reply r = unix.send("PUT", "/deployments", new byte[0]);

        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("allow")).isEqualTo("GET, HEAD, POST");
        assertThat(r.json().get("error").asText()).isEqualTo("method_not_allowed");
        assertThat(r.json().get("message").asText()).contains("PUT");
    }

    @Test
    void aBadQueryParameterIsNamed() {
        TestHttp.Reply r = unix.get("/events?limit=lots");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("bad_request");
        assertThat(r.json().get("details").get("parameter").asText()).isEqualTo("limit");
        assertThat(r.json().get("message").asText()).contains("limit");
    }

    @Test
    void aBadWaitIsNamed() {
        TestHttp.Reply r = unix.post("/deployments?wait=forever", spec("web"), "Content-Type", YAML);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("details").get("parameter").asText()).isEqualTo("wait");
        assertThat(unix.get("/deployments").json().get("deployments")).isEmpty();
    }

    @Test
    void anUnknownQueryParameterIsNamed() {
        TestHttp.Reply r = unix.post("/deployments?wiat=30s", spec("web"), "Content-Type", YAML);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("details").get("parameter").asText()).isEqualTo("wiat");
        assertThat(r.json().get("message").asText()).contains("wait");
    }

    @Test
    void aRepeatedQueryParameterIsRejected() {
        TestHttp.Reply r = unix.get("/events?limit=1&limit=2");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("details").get("parameter").asText()).isEqualTo("limit");
    }

    @Test
    void aBrokenQueryEncodingIs400() {
        TestHttp.Reply r = unix.get("/events?after=%zz");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().has("message")).isTrue();
    }

    @Test
    void aBodyOverOneMebibyteDeclaredByContentLengthIs413() {
        TestHttp.Reply r = unix.raw(("POST /deployments HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\n"
                + "Content-Length: 2000000\r\n\r\nname: web\n").getBytes(StandardCharsets.US_ASCII), false);

        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().get("error").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void aChunkedBodyOverOneMebibyteIs413() {
        StringBuilder req = new StringBuilder("POST /deployments HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n");
        String chunk = "#".repeat(64 * 1024);
        for (int i = 0; i < 17; i++) {
            req.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        req.append("0\r\n\r\n");

        TestHttp.Reply r = unix.raw(req.toString().getBytes(StandardCharsets.US_ASCII), false);

        assertThat(r.status()).isEqualTo(413);
    }

    @Test
    void anUnsupportedContentTypeIs415() {
        TestHttp.Reply r = unix.post("/deployments", "name=web", "Content-Type", "application/x-www-form-urlencoded");

        assertThat(r.status()).isEqualTo(415);
        assertThat(r.json().get("error").asText()).isEqualTo("unsupported_media_type");
        assertThat(r.json().get("message").asText()).contains("application/yaml");
    }

    @Test
    void aNonUtf8CharsetIs415() {
        TestHttp.Reply r = unix.post("/deployments", spec("web"), "Content-Type", "text/yaml; charset=latin1");

        assertThat(r.status()).isEqualTo(415);
    }

    @Test
    void aBodyThatIsNotUtf8Is400() {
        TestHttp.Reply r = unix.send("POST", "/deployments", new byte[]{'n', 'a', (byte) 0xff, (byte) 0xfe},
                "Content-Type", YAML);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).contains("UTF-8");
    }

    @Test
    void aMalformedRequestIsAnsweredByJettyInTheSameShape() {
        TestHttp.Reply r = unix.raw("GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n".getBytes(StandardCharsets.US_ASCII), false);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("bad_request");
        assertThat(r.json().get("message").asText()).isNotBlank();
    }

    @Test
    void headersTooLargeIs431InTheSameShape() {
        TestHttp.Reply r = unix.get("/health", "X-Big", "x".repeat(20_000));

        assertThat(r.status()).isEqualTo(431);
        assertThat(r.json().get("error").asText()).isEqualTo("headers_too_large");
    }
}
