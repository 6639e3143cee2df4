package dev.era.compat;

import java.util.Objects;
import java.util.Set;

/**
 * How the OpenHands remote-runtime API starts runtimes; frozen at start.
 *
 * @param hostImages     image names that mean "the host's /usr" on the process engine, which runs no
 *                       images: a runtime asking for one gets a sandbox without an image. Any other image
 *                       is passed to the sandbox engine as is (the process engine refuses it).
 * @param registryPrefix answered by {@code /registry_prefix}; OpenHands only builds image names with it
 * @param publicHost     the host in each runtime's {@code url}: where OpenHands reaches the port a runtime
 *                       listens on (runtimes use the host's network)
 * @param defaultPort    OpenHands' RemoteRuntime.port: an argument of the start command equal to it is
 *                       replaced by the port ERA chose
 * @param imageEngine    the sandbox engine for any other image (such as {@code oci}); empty = the daemon's
 *                       default sandbox engine
 */
public record OpenHandsConfig(Set<String> hostImages, String registryPrefix, String publicHost, int defaultPort,
                              String imageEngine) {
    public OpenHandsConfig {
        hostImages = Set.copyOf(hostImages);
        Objects.requireNonNull(registryPrefix, "registryPrefix");
        Objects.requireNonNull(imageEngine, "imageEngine");
        if (publicHost.isBlank()) {
            throw new IllegalArgumentException("publicHost must name the host OpenHands reaches runtimes at");
        }
    }

    public OpenHandsConfig withPublicHost(String host) {
        return new OpenHandsConfig(hostImages, registryPrefix, host, defaultPort, imageEngine);
    }

    public OpenHandsConfig withImageEngine(String engine) {
        return new OpenHandsConfig(hostImages, registryPrefix, publicHost, defaultPort, engine);
    }

    public static OpenHandsConfig defaults() {
        return new OpenHandsConfig(Set.of("era/host", "era-host"), "era.local/openhands", "127.0.0.1", 60000, "");
    }
}
