package dev.era.core;

/** Maps an API key presented on TCP to its tenant. */
public interface Authenticator {
    /**
     * @param presentedKey the key from {@code Authorization: Bearer ...} or {@code X-API-Key}; empty when none
     * @throws dev.era.api.UnauthorizedException when the key is missing or unknown
     */
    Caller authenticate(String presentedKey);
}
