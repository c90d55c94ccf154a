package dev.patchwave.rollout;

/** One check's verdict on one host, with what it saw (bounded, one line). */
public record CheckResult(String check, Verdict verdict, String detail) {}
