package dev.era.http;

import dev.era.api.BadRequestException;
import dev.era.api.UnauthorizedException;
import dev.era.core.ApiKey;
import dev.era.core.Authenticator;
import dev.era.core.Caller;
import dev.era.core.KeyAdmin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Three fixed keys (two tenants and an admin), plus any this instance issues through {@link KeyAdmin}. */
public final class FakeAuthenticator implements Authenticator, KeyAdmin {
    public static final String KEY_A = "key-tenant-a";
    public static final String KEY_B = "key-tenant-b";
    public static final String ADMIN_KEY = "key-admin";

    private static final Map<String, Caller> KEYS = Map.of(
            KEY_A, Caller.tenant("a"),
            KEY_B, Caller.tenant("b"),
            ADMIN_KEY, Caller.ADMIN);

    private final Map<String, ApiKey> issued = new ConcurrentHashMap<>();
    private final List<ApiKey> order = new ArrayList<>();

    @Override
    public Caller authenticate(String presentedKey) {
        if (presentedKey.isEmpty()) {
            throw new UnauthorizedException("no API key was presented");
        }
        Caller c = KEYS.get(presentedKey);
        if (c != null) {
            return c;
        }
        ApiKey k = issued.get(presentedKey);
        if (k == null) {
            throw new UnauthorizedException("unknown API key");
        }
        return new Caller(k.tenant(), k.tenant().equals(Caller.DEFAULT_TENANT));
    }

    @Override
    public synchronized IssuedKey issue(String tenant, String label) {
        if (tenant.isEmpty() || !tenant.equals(tenant.toLowerCase(java.util.Locale.ROOT))) {
            throw new BadRequestException("tenant '" + tenant + "' is not valid", Map.of("field", "tenant"));
        }
        String secret = "issued-" + (order.size() + 1);
        ApiKey k = new ApiKey("k-" + (order.size() + 1), tenant, "hash-of-" + secret, label, Instant.now());
        issued.put(secret, k);
        order.add(k);
        return new IssuedKey(k, secret);
    }

    /** Forgets every issued key. */
    public synchronized void reset() {
        issued.clear();
        order.clear();
    }

    @Override
    public synchronized List<ApiKey> keys() {
        return List.copyOf(order);
    }
}
