package dev.era.api;

import java.util.Optional;

/**
 * Engines that can read back the kernel-enforced limits running work is under now (its cgroup's
 * values), so that a limit changed outside ERA is seen as drift.
 */
public interface LimitsObservable {
    /** The limits in force for the handle's work (0 = no limit), or empty when the engine cannot tell. */
    Optional<Resources> observedLimits(EngineHandle handle);
}
