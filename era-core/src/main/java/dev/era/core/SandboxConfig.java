package dev.era.core;

import dev.era.api.Resources;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the daemon runs sandboxes; read once at start and frozen (a record), so a change needs a
 * restart. {@link #defaults()} is a good start; the {@code with...} methods give changed copies.
 *
 * @param defaultEngine         engine for requests that name none; empty = the first engine (by name)
 *                              with the SANDBOX capability
 * @param defaultResources      limits of a sandbox whose request asks for none (and of warm-pool sandboxes)
 * @param defaultIdleTimeout    idle time before auto-suspend for requests that give none; zero = never
 * @param warmPoolSize          sandboxes kept created and running for instant claims; 0 disables the pool
 * @param maxSandboxesPerTenant a tenant's sandboxes (suspended ones count); 0 = no limit
 * @param maxMemoryPerTenant    the sum of a tenant's sandboxes' memory limits, in bytes; 0 = no limit
 * @param createTimeout         how long create waits for the sandbox to run before it returns it provisioning
 * @param defaultExecTimeout    timeout of a sync exec that asks for none
 * @param maxOutputBytes        ceiling of the output kept per stream of one execution (the request's cap is clamped to it)
 * @param outputWindowBytes     the most recent output of one execution kept for followers to resume from
 * @param executionsPerSandbox  execution records kept per sandbox; the oldest finished ones are dropped first
 * @param compressSnapshots     gzip snapshot archives (smaller, but costs CPU: see docs/sandboxes.md)
 * @param shell                 runs single-string commands ({@code shell -lc cmd}); empty = /bin/bash if the
 *                              host has it, else /bin/sh
 */
public record SandboxConfig(String defaultEngine, Resources defaultResources, Duration defaultIdleTimeout,
                            int warmPoolSize, int maxSandboxesPerTenant, long maxMemoryPerTenant,
                            Duration createTimeout, Duration defaultExecTimeout, long maxOutputBytes,
                            long outputWindowBytes, int executionsPerSandbox, boolean compressSnapshots,
                            String shell) {
    public SandboxConfig {
        if (warmPoolSize < 0 || maxSandboxesPerTenant < 0 || maxMemoryPerTenant < 0 || executionsPerSandbox < 1
                || maxOutputBytes < 1 || outputWindowBytes < 1) {
            throw new IllegalArgumentException("sandbox limits must not be negative (and executionsPerSandbox, "
                    + "maxOutputBytes and outputWindowBytes must be positive)");
        }
        if (defaultIdleTimeout.isNegative() || createTimeout.isNegative() || createTimeout.isZero()
                || defaultExecTimeout.isNegative() || defaultExecTimeout.isZero()) {
            throw new IllegalArgumentException("sandbox timeouts must be positive (defaultIdleTimeout may be zero)");
        }
        if (shell.isEmpty()) {
            shell = Files.isExecutable(Path.of("/bin/bash")) ? "/bin/bash" : "/bin/sh";
        }
    }

    public static SandboxConfig defaults() {
        return new SandboxConfig("", new Resources(1, 512L << 20, 512), Duration.ofMinutes(30), 2, 50, 16L << 30,
                Duration.ofSeconds(60), Duration.ofMinutes(5), 16L << 20, 1L << 20, 64, false, "");
    }

    public SandboxConfig withWarmPool(int size) {
        return new SandboxConfig(defaultEngine, defaultResources, defaultIdleTimeout, size, maxSandboxesPerTenant,
                maxMemoryPerTenant, createTimeout, defaultExecTimeout, maxOutputBytes, outputWindowBytes,
                executionsPerSandbox, compressSnapshots, shell);
    }

    public SandboxConfig withQuotas(int maxSandboxes, long maxMemoryBytes) {
        return new SandboxConfig(defaultEngine, defaultResources, defaultIdleTimeout, warmPoolSize, maxSandboxes,
                maxMemoryBytes, createTimeout, defaultExecTimeout, maxOutputBytes, outputWindowBytes,
                executionsPerSandbox, compressSnapshots, shell);
    }

    public SandboxConfig withDefaultEngine(String engine) {
        return new SandboxConfig(engine, defaultResources, defaultIdleTimeout, warmPoolSize, maxSandboxesPerTenant,
                maxMemoryPerTenant, createTimeout, defaultExecTimeout, maxOutputBytes, outputWindowBytes,
                executionsPerSandbox, compressSnapshots, shell);
    }

    public SandboxConfig withDefaultIdleTimeout(Duration idle) {
        return new SandboxConfig(defaultEngine, defaultResources, idle, warmPoolSize, maxSandboxesPerTenant,
                maxMemoryPerTenant, createTimeout, defaultExecTimeout, maxOutputBytes, outputWindowBytes,
                executionsPerSandbox, compressSnapshots, shell);
    }

    public SandboxConfig withOutputLimits(long maxOutput, long window, int executionsKept) {
        return new SandboxConfig(defaultEngine, defaultResources, defaultIdleTimeout, warmPoolSize,
                maxSandboxesPerTenant, maxMemoryPerTenant, createTimeout, defaultExecTimeout, maxOutput, window,
                executionsKept, compressSnapshots, shell);
    }

    public SandboxConfig withCompressedSnapshots(boolean compress) {
        return new SandboxConfig(defaultEngine, defaultResources, defaultIdleTimeout, warmPoolSize,
                maxSandboxesPerTenant, maxMemoryPerTenant, createTimeout, defaultExecTimeout, maxOutputBytes,
                outputWindowBytes, executionsPerSandbox, compress, shell);
    }
}
