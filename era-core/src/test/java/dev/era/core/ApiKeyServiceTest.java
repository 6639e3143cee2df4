package dev.era.core;

import dev.era.api.BadRequestException;
import dev.era.api.UnauthorizedException;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiKeyServiceTest {
    private final MemoryStore store = new MemoryStore();
    private final ApiKeyService keys = new ApiKeyService(store, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"),
            ZoneOffset.UTC));

    @Test
    void anIssuedKeyAuthenticatesAsItsTenantAndOnlyItsHashIsStored() {
        KeyAdmin.IssuedKey issued = keys.issue("acme", "ci");

        assertThat(keys.authenticate(issued.secret())).isEqualTo(Caller.tenant("acme"));
        assertThat(issued.secret()).matches("era_[0-9a-f]{64}");
        assertThat(keys.keys()).containsExactly(issued.key());
        assertThat(issued.key().sha256()).isEqualTo(ApiKeyService.sha256(issued.secret()))
                .doesNotContain(issued.secret().substring(4));
    }

    @Test
    void keysOfTenantDefaultAreAdminKeys() {
        assertThat(keys.authenticate(keys.issue(Caller.DEFAULT_TENANT, "").secret())).isEqualTo(Caller.ADMIN);
    }

    @Test
    void theListedIdRevealsNoPartOfTheSecret() {
        KeyAdmin.IssuedKey issued = keys.issue("acme", "");

        assertThat(issued.secret()).doesNotContain(issued.key().id().substring(2));
    }

    @Test
    void bootstrapMakesOneAdminKeyOnlyWhileNoKeyExists() {
        assertThat(keys.bootstrap()).hasValueSatisfying(k -> assertThat(keys.authenticate(k).admin()).isTrue());
        assertThat(keys.bootstrap()).isEmpty();
    }

    @Test
    void badTenantsAndLabelsAreRefusedNamingTheFieldAndNothingIsStored() {
        for (String tenant : new String[]{"", "Acme", "-acme", "a b", "x".repeat(64)}) {
            assertThatThrownBy(() -> keys.issue(tenant, "")).as(tenant)
                    .isInstanceOfSatisfying(BadRequestException.class,
                            e -> assertThat(e.details()).containsEntry("field", "tenant"));
        }
        assertThatThrownBy(() -> keys.issue("acme", "x".repeat(101)))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.details()).containsEntry("field", "label"));
        assertThatThrownBy(() -> keys.issue("acme", "line\nbreak")).isInstanceOf(BadRequestException.class);
        assertThat(keys.keys()).isEmpty();
    }

    @Test
    void anUnknownKeyIsRefusedWithHowToGetOne() {
        assertThatThrownBy(() -> keys.authenticate("era_nope")).isInstanceOf(UnauthorizedException.class)
                .hasMessageContaining("era keys create");
    }
}
