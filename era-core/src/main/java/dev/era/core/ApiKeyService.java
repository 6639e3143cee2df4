package dev.era.core;

import dev.era.api.BadRequestException;
import dev.era.api.UnauthorizedException;
import dev.era.core.spi.StateStore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * API keys: 256 random bits, shown once, stored as SHA-256 (a slow hash buys nothing for keys
 * with this much entropy). Keys of tenant {@code default} are admin keys.
 */
public final class ApiKeyService implements Authenticator {
    private static final Pattern TENANT = Pattern.compile("[a-z0-9][-a-z0-9]{0,62}");
    private static final String PREFIX = "era_";
    private final StateStore store;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public ApiKeyService(StateStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** At first start (no key stored yet) makes an admin key and returns it, to be shown once. */
    public Optional<String> bootstrap() {
        if (!store.apiKeys().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(create(Caller.DEFAULT_TENANT, "bootstrap"));
    }

    /** Makes a key for {@code tenant} and returns the secret; only its hash is kept. */
    public String create(String tenant, String label) {
        if (!TENANT.matcher(tenant).matches()) {
            throw new BadRequestException("tenant '" + SpecCodec.clip(tenant)
                    + "' is not valid; use lower-case letters, digits and '-'");
        }
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String key = PREFIX + HexFormat.of().formatHex(secret);
        String id = "k-" + HexFormat.of().formatHex(secret, 0, 4) + Long.toHexString(clock.millis() & 0xffff);
        store.saveApiKey(new ApiKey(id, tenant, sha256(key), label, clock.instant()));
        return key;
    }

    @Override
    public Caller authenticate(String presentedKey) {
        if (presentedKey == null || presentedKey.isBlank()) {
            throw new UnauthorizedException("this endpoint needs an API key: send 'Authorization: Bearer <key>'"
                    + " or 'X-API-Key: <key>' (the daemon printed its first key at first start;"
                    + " the Unix socket needs none)");
        }
        ApiKey key = store.apiKeyBySha256(sha256(presentedKey.trim()))
                .orElseThrow(() -> new UnauthorizedException("the API key is not valid; check for a typo or"
                        + " create a new one with `era keys create` on the daemon's host"));
        return new Caller(key.tenant(), key.tenant().equals(Caller.DEFAULT_TENANT));
    }

    static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
