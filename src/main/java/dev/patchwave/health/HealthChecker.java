package dev.patchwave.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor;
import dev.patchwave.host.HostExecutor.HostSession;
import dev.patchwave.inventory.Host;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.policy.RolloutPolicy.CheckSpec;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Verdict;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs a policy's health checks on one host: opens one session (an unreachable host fails the
 * checks that need it), runs every check, closes the session. Blocking; thread-safe.
 */
public final class HealthChecker {

  private final HostExecutor hosts;
  private final java.util.function.Function<String, Optional<java.util.Map<String, String>>>
      nodeConditions;
  private final HttpClient http;
  private final ObjectMapper json;
  private final Optional<String> prometheusUrl;

  static final String BUSY =
      "not checked: the controller had no free SSH session (patchwave.ssh.max-sessions)";

  public HealthChecker(
      HostExecutor hosts,
      HttpClient http,
      ObjectMapper json,
      Optional<String> prometheusUrl,
      java.util.function.Function<String, Optional<java.util.Map<String, String>>> nodeConditions) {
    this.nodeConditions = nodeConditions;
    this.hosts = hosts;
    this.http = http;
    this.json = json;
    this.prometheusUrl = prometheusUrl;
  }

  public List<CheckResult> run(RolloutPolicy policy, Host host, HostState progress) {
    List<HealthCheck> checks = policy.spec().health().checks().stream().map(this::check).toList();
    HostSession session = null;
    String unreachable = "";
    try {
      session = hosts.open(host);
    } catch (HostException.Busy e) {
      // the controller had no free session: nothing is known about the host, so no check may
      // fail it (a false failure would halt the rollout and quarantine a good version)
      return checks.stream()
          .map(c -> new CheckResult(c.name(), Verdict.INCONCLUSIVE, BUSY))
          .toList();
    } catch (HostException e) {
      unreachable = e.getMessage();
    }
    try {
      HealthCheck.Target target =
          new HealthCheck.Target(host, Optional.ofNullable(session), unreachable, progress);
      List<CheckResult> out = new ArrayList<>();
      for (HealthCheck c : checks) {
        out.add(c.check(target));
      }
      return out;
    } finally {
      if (session != null) {
        session.close();
      }
    }
  }

  HealthCheck check(CheckSpec spec) {
    if (spec instanceof RolloutPolicy.Builtin b) {
      return new BuiltinHealthCheck(b.name(), b.check(), nodeConditions);
    }
    if (spec instanceof RolloutPolicy.SshCheck s) {
      return new SshCommandCheck(s);
    }
    if (spec instanceof RolloutPolicy.NodeConditionCheck c) {
      return new NodeConditionCheck(c.name(), c.type(), c.status(), nodeConditions);
    }
    if (spec instanceof RolloutPolicy.HttpCheck h) {
      return new HttpProbeCheck(h, http);
    }
    return new PrometheusQueryCheck(
        (RolloutPolicy.PrometheusCheck) spec, prometheusUrl, http, json);
  }
}
