package dev.era.api;

/**
 * Kernel-enforced limits. Zero means "no limit".
 *
 * @param cpu         CPU cores (0.5 = half a core)
 * @param memoryBytes memory limit in bytes
 * @param pids        maximum number of processes and threads
 */
public record Resources(double cpu, long memoryBytes, int pids) {
    public static final Resources UNLIMITED = new Resources(0, 0, 0);

    public Resources {
        if (cpu < 0 || memoryBytes < 0 || pids < 0) {
            throw new IllegalArgumentException("resources must not be negative");
        }
    }

    public boolean limited() {
        return cpu > 0 || memoryBytes > 0 || pids > 0;
    }
}
