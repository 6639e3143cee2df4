package dev.era.core;

import java.util.List;

/**
 * Issuing and listing API keys: an optional ability of an {@link Authenticator}. The API offers
 * {@code /admin/keys} only when its authenticator has it, and only to admin callers.
 */
public interface KeyAdmin {
    /**
     * Makes a key for {@code tenant}. The secret is in the result only; the store keeps its hash.
     *
     * @param label a note for people ("ci", "alice's laptop"); may be empty
     * @throws dev.era.api.BadRequestException when the tenant or label is not valid
     */
    IssuedKey issue(String tenant, String label);

    /** Every key, oldest first. The records hold hashes, never secrets. */
    List<ApiKey> keys();

    /** A key just made: the stored record and the secret, to be shown once. */
    record IssuedKey(ApiKey key, String secret) {}
}
