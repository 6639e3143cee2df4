package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.BadRequestException;
import dev.era.api.NotFoundException;
import dev.era.core.ApiKey;
import dev.era.core.Authenticator;
import dev.era.core.KeyAdmin;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /admin/keys}: issuing and listing API keys, for admin callers only (the Unix socket, or a
 * key of tenant {@code default}). Anyone else gets a 403 that says how to become one: the routes are
 * documented, so hiding them behind a 404 would only confuse.
 */
final class AdminEndpoints {
    private static final List<String> BODY_TYPES = List.of("application/json");
    private static final Set<String> FIELDS = Set.of("tenant", "label");

    private final Optional<KeyAdmin> keys;

    AdminEndpoints(Authenticator auth) {
        this.keys = auth instanceof KeyAdmin k ? Optional.of(k) : Optional.empty();
    }

    void register(Router r) {
        r.add("POST", "/admin/keys", this::create);
        r.add("GET", "/admin/keys", this::list);
    }

    private void create(Exchange ex) {
        KeyAdmin admin = admin(ex);
        JsonNode body = Json.parse(ex.body(BODY_TYPES));
        if (!body.isObject()) {
            throw new BadRequestException("the body must be a JSON object such as {\"tenant\": \"acme\", \"label\": \"ci\"}");
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw new BadRequestException("unknown field '" + Query.clip(f) + "'; a key takes tenant and label",
                        Map.of("field", Query.clip(f)));
            }
        });
        String tenant = text(body, "tenant").orElseThrow(() -> new BadRequestException(
                "field tenant is required: the tenant the key acts for, such as \"acme\"", Map.of("field", "tenant")));
        KeyAdmin.IssuedKey issued = admin.issue(tenant, text(body, "label").orElse(""));
        ObjectNode o = key(issued.key());
        o.put("key", issued.secret());
        ex.header("Location", "/admin/keys/" + issued.key().id());
        ex.json(201, o);
    }

    private void list(Exchange ex) {
        List<ApiKey> all = admin(ex).keys();
        ObjectNode o = Json.object();
        ArrayNode a = o.putArray("keys");
        all.forEach(k -> a.add(key(k)));
        ex.json(200, o);
    }

    private KeyAdmin admin(Exchange ex) {
        if (keys.isEmpty()) {
            throw new NotFoundException("this daemon does not manage API keys through its API");
        }
        if (!ex.caller().admin()) {
            throw new HttpError(403, "forbidden", "managing API keys needs an admin caller: use the daemon's Unix"
                    + " socket on its host, or an API key of tenant 'default'", Map.of("tenant", ex.caller().tenant()),
                    Map.of());
        }
        return keys.get();
    }

    /** A key as listed: never its secret, nor its hash. */
    private static ObjectNode key(ApiKey k) {
        ObjectNode o = Json.object();
        o.put("id", k.id());
        o.put("tenant", k.tenant());
        o.put("label", k.label());
        o.put("createdAt", k.createdAt().toString());
        return o;
    }

    private static Optional<String> text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw new BadRequestException("field " + field + " must be a string", Map.of("field", field));
        }
        return Optional.of(v.asText());
    }
}
