package dev.patchwave.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor;
import dev.patchwave.host.HostExecutor.HostSession;
import dev.patchwave.inventory.Host;
import dev.patchwave.policy.CheckCatalogue;
import dev.patchwave.policy.CheckCatalogue.Datasource;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.policy.RolloutPolicy.CheckSpec;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

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
  private final CheckCatalogue catalogue;
  private final Map<String, HttpClient> trusting = new ConcurrentHashMap<>();

  static final String BUSY =
      "not checked: the controller had no free SSH session (patchwave.ssh.max-sessions)";

  public HealthChecker(
      HostExecutor hosts,
      HttpClient http,
      ObjectMapper json,
      CheckCatalogue catalogue,
      java.util.function.Function<String, Optional<java.util.Map<String, String>>> nodeConditions) {
    this.nodeConditions = nodeConditions;
    this.hosts = hosts;
    this.http = http;
    this.json = json;
    this.catalogue = catalogue;
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
    if (!catalogue.allowInline() && CheckCatalogue.isInline(spec)) {
      // a rollout stored before the controller refused inline checks: never run them, never pass
      return new HealthCheck() {
        @Override
        public String name() {
          return spec.name();
        }

        @Override
        public CheckResult check(Target target) {
          return new CheckResult(
              spec.name(),
              Verdict.INCONCLUSIVE,
              "not run: inline commands and URLs are not allowed ("
                  + CheckCatalogue.ALLOW_INLINE
                  + ")");
        }
      };
    }
    if (spec instanceof RolloutPolicy.Builtin b) {
      return new BuiltinHealthCheck(b.name(), b.check(), nodeConditions);
    }
    if (spec instanceof RolloutPolicy.SshCheck s) {
      return new SshCommandCheck(s, s.check().map(catalogue.ssh()::get));
    }
    if (spec instanceof RolloutPolicy.NodeConditionCheck c) {
      return new NodeConditionCheck(c.name(), c.type(), c.status(), nodeConditions);
    }
    if (spec instanceof RolloutPolicy.HttpCheck h) {
      return new HttpProbeCheck(h, h.target().map(catalogue.http()::get), http);
    }
    RolloutPolicy.PrometheusCheck p = (RolloutPolicy.PrometheusCheck) spec;
    Optional<Datasource> source =
        p.datasource().isPresent()
            ? Optional.ofNullable(catalogue.prometheus().get(p.datasource().get()))
            : p.url()
                .map(u -> new Datasource("inline", u, Optional.empty(), Optional.empty()))
                .or(
                    () ->
                        Optional.ofNullable(
                            catalogue.prometheus().get(CheckCatalogue.DEFAULT_DATASOURCE)));
    return new PrometheusQueryCheck(p, source, this::client, json);
  }

  /** The client for a datasource: the shared one, or one that trusts only its CA file. */
  HttpClient client(Datasource ds) {
    if (ds.caFile().isEmpty()) {
      return http;
    }
    return trusting.computeIfAbsent(ds.name(), n -> trusting(Path.of(ds.caFile().get())));
  }

  private static HttpClient trusting(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) {
        throw new IllegalStateException("no certificate in " + caFile);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("CA file " + caFile + " could not be loaded", e);
    }
  }
}
