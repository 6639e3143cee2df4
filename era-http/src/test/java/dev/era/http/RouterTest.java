package dev.era.http;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RouterTest {
    private final Router router = new Router()
            .add("GET", "/deployments", ex -> { })
            .add("POST", "/deployments", ex -> { })
            .add("GET", "/deployments/{ref}", ex -> { })
            .add("DELETE", "/deployments/{ref}", ex -> { })
            .add("POST", "/deployments/{ref}/stop", ex -> { });

    @Test
    void bindsPathParameters() {
        Router.Match m = router.match("POST", "/deployments/web/stop");

        assertThat(m).isInstanceOfSatisfying(Router.Match.Found.class, f -> {
            assertThat(f.route().template()).isEqualTo("/deployments/{ref}/stop");
            assertThat(f.params()).isEqualTo(Map.of("ref", "web"));
        });
    }

    @Test
    void pathParametersArePercentDecoded() {
        Router.Match m = router.match("GET", "/deployments/a%20b%3Fc+d%C3%BC");

        assertThat(m).isInstanceOfSatisfying(Router.Match.Found.class,
                f -> assertThat(f.params()).containsEntry("ref", "a b?c+dü"));
    }

    @Test
    void aTrailingSlashIsIgnored() {
        assertThat(router.match("GET", "/deployments/")).isInstanceOf(Router.Match.Found.class);
    }

    @Test
    void anEmptySegmentMatchesNoParameter() {
        assertThat(router.match("GET", "/deployments//")).isInstanceOf(Router.Match.NoRoute.class);
        assertThat(router.match("POST", "/deployments//stop")).isInstanceOf(Router.Match.NoRoute.class);
    }

    @Test
    void aKnownPathWithAnotherMethodListsTheAllowedOnes() {
        assertThat(router.match("PUT", "/deployments/web")).isEqualTo(
                new Router.Match.WrongMethod("/deployments/{ref}", java.util.Set.of("DELETE", "GET", "HEAD")));
    }

    @Test
    void headUsesTheGetRoute() {
        assertThat(router.match("HEAD", "/deployments")).isInstanceOf(Router.Match.Found.class);
    }

    @Test
    void unknownPathsMatchNothing() {
        assertThat(router.match("GET", "/")).isInstanceOf(Router.Match.NoRoute.class);
        assertThat(router.match("GET", "")).isInstanceOf(Router.Match.NoRoute.class);
        assertThat(router.match("GET", "/deployments/web/stop/now")).isInstanceOf(Router.Match.NoRoute.class);
    }
}
