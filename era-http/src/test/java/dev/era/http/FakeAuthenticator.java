package dev.era.http;

import dev.era.api.UnauthorizedException;
import dev.era.core.Authenticator;
import dev.era.core.Caller;

import java.util.Map;

/** Three fixed keys: two tenants and an admin. */
public final class FakeAuthenticator implements Authenticator {
    public static final String KEY_A = "key-tenant-a";
    public static final String KEY_B = "key-tenant-b";
    public static final String ADMIN_KEY = "key-admin";

    private static final Map<String, Caller> KEYS = Map.of(
            KEY_A, Caller.tenant("a"),
            KEY_B, Caller.tenant("b"),
            ADMIN_KEY, Caller.ADMIN);

    @Override
    public Caller authenticate(String presentedKey) {
        if (presentedKey.isEmpty()) {
            throw new UnauthorizedException("no API key was presented");
        }
        Caller c = KEYS.get(presentedKey);
        if (c == null) {
            throw new UnauthorizedException("unknown API key");
        }
        return c;
    }
}
