package dev.era.core;

import java.time.Instant;

/**
 * A difference between what ERA set up and what it observes, made outside ERA.
 *
 * @param kind what drifted: {@code process} (the work is gone), {@code installDir} (files changed)
 * @param what what differs, for a person: "pid 4242 is gone", "changed: app.py; added: x.txt"
 * @param at   when the reconciler saw it
 */
public record Drift(String kind, String what, Instant at) {}
