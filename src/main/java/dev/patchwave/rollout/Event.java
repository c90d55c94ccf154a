package dev.patchwave.rollout;

import java.time.Instant;
import java.util.Optional;

/** One transition, for the rollout's timeline and the audit log. */
public record Event(
    Instant at,
    Reason reason,
    Optional<Integer> wave,
    Optional<String> host,
    String actor,
    String detail) {}
