package dev.era.engine.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.era.api.EngineException;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answers a registry's {@code WWW-Authenticate} challenge: {@code Basic} with the registry's
 * credentials, or {@code Bearer} by fetching a token from the challenge's realm (with the
 * credentials when there are any, anonymously otherwise), as the distribution spec's token flow.
 * Tokens are cached per registry and scope until a 401 asks again.
 */
final class RegistryAuth {
    /**
     * What to present to one registry: a user name and password (sent as Basic, or to a token service),
     * or a registry token (sent as {@code Bearer} when the registry challenges with Bearer).
     * {@link #toString()} never shows the secret.
     *
     * @param token true when {@code password} is a registry token and {@code user} is empty
     */
    record Credentials(String user, String password, boolean token) {
        Credentials(String user, String password) {
            this(user, password, false);
        }

        static Credentials bearer(String token) {
            return new Credentials("", token, true);
        }

        String basic() {
            return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return token ? "Credentials[registry token]" : "Credentials[user=" + user + ", password=***]";
        }
    }

    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final Map<String, Credentials> credentials;
    /** registry + " " + scope to the Authorization header value that worked last */
    private final Map<String, String> headers = new ConcurrentHashMap<>();

    RegistryAuth(HttpClient http, Map<String, Credentials> credentials) {
        this.http = http;
        this.credentials = Map.copyOf(credentials);
    }

    /** The header to send up front, learned from an earlier challenge. */
    Optional<String> cached(String registry, String scope) {
        return Optional.ofNullable(headers.get(registry + " " + scope));
    }

    /** Answers {@code challenge} (the 401's WWW-Authenticate header) and remembers the answer. */
    String answer(String registry, String scope, String challenge) {
        String header;
        String lower = challenge.toLowerCase(java.util.Locale.ROOT);
        Credentials creds = credentials.get(registry);
        if (lower.startsWith("basic")) {
            if (creds == null || creds.token()) {
                throw new EngineException("registry " + registry + " asks for a user name and password; configure "
                        + (creds == null ? "credentials" : "a username and password instead of a token") + " for it",
                        Map.of("registry", registry));
            }
            header = creds.basic();
        } else if (lower.startsWith("bearer")) {
            header = "Bearer " + (creds != null && creds.token() ? creds.password() : token(registry, scope, params(challenge), creds));
        } else {
            throw new EngineException("registry " + registry + " asks for authentication scheme '" + challenge
                    + "', which ERA does not speak (Basic and Bearer only)", Map.of("registry", registry));
        }
        headers.put(registry + " " + scope, header);
        return header;
    }

    void forget(String registry, String scope) {
        headers.remove(registry + " " + scope);
    }

    private String token(String registry, String scope, Map<String, String> params, Credentials creds) {
        String realm = params.get("realm");
        if (realm == null) {
            throw new EngineException("registry " + registry + " sent a Bearer challenge without a realm", Map.of("registry", registry));
        }
        StringBuilder uri = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
        if (params.containsKey("service")) {
            uri.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8)).append('&');
        }
        uri.append("scope=").append(URLEncoder.encode(params.getOrDefault("scope", scope), StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri.toString())).GET();
        if (creds != null && !creds.token()) {
            request.header("Authorization", creds.basic());
        }
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() == 401 || response.statusCode() == 403) {
                throw new EngineException("the token service " + realm + " of registry " + registry + " refused "
                        + (creds == null ? "anonymous access; configure credentials for the registry" : "the credentials of user '"
                        + creds.user() + "'; check them"), Map.of("registry", registry, "status", response.statusCode()));
            }
            if (response.statusCode() != 200) {
                throw new EngineException("the token service " + realm + " of registry " + registry + " answered HTTP "
                        + response.statusCode(), Map.of("registry", registry, "status", response.statusCode()));
            }
            JsonNode body = JSON.readTree(response.body());
            String token = body.path("token").asText(body.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new EngineException("the token service " + realm + " of registry " + registry + " sent no token",
                        Map.of("registry", registry));
            }
            return token;
        } catch (IOException e) {
            throw new EngineException("cannot reach the token service " + realm + " of registry " + registry + ": " + e.getMessage(),
                    Map.of("registry", registry), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while fetching a token from " + realm, Map.of("registry", registry), e);
        }
    }

    static Map<String, String> params(String challenge) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(challenge);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }
}
