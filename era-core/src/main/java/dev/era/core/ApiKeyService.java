package dev.era.core;

import dev.era.api.BadRequestException;
import dev.era.api.UnauthorizedException;
import dev.era.core.spi.StateStore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * API keys: 256 random bits, shown once, stored as SHA-256 (a slow hash buys nothing for keys
 * with this much entropy). Keys of tenant {@code default} are admin keys.
 */
public final class ApiKeyService implements Authenticator, KeyAdmin {
    private static final Pattern TENANT = Pattern.compile("[a-z0-9][-a-z0-9]{0,62}");
    private static final String PREFIX = "era_";
    private static final int MAX_LABEL = 100;
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
        return issue(tenant, label).secret();
    }

    @Override
    public IssuedKey issue(String tenant, String label) {
        if (tenant == null || !TENANT.matcher(tenant).matches()) {
            throw new BadRequestException("tenant '" + SpecCodec.clip(String.valueOf(tenant))
                    + "' is not valid; use 1-63 lower-case letters, digits and '-', starting with a letter or digit",
                    Map.of("field", "tenant"));
        }
        String note = label == null ? "" : label;
        if (note.length() > MAX_LABEL || note.chars().anyMatch(Character::isISOControl)) {
            throw new BadRequestException("label must be at most " + MAX_LABEL + " characters without control"
                    + " characters", Map.of("field", "label"));
        }
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String key = PREFIX + HexFormat.of().formatHex(secret);
        // the id is public (it names the key in listings), so it comes from other random bits than the secret
        byte[] idBits = new byte[6];
        random.nextBytes(idBits);
        // milliseconds, as the store keeps them: the key answered now equals the key listed later
        ApiKey stored = new ApiKey("k-" + HexFormat.of().formatHex(idBits), tenant, sha256(key), note,
                clock.instant().truncatedTo(ChronoUnit.MILLIS));
        store.saveApiKey(stored);
        return new IssuedKey(stored, key);
    }

    @Override
    public List<ApiKey> keys() {
        return store.apiKeys();
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
