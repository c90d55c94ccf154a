package dev.patchwave.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.jcraft.jsch.JSch;
import com.sun.net.httpserver.HttpServer;
import dev.patchwave.host.HostExecutor.HostSession;
import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.host.ssh.JschHostExecutor;
import dev.patchwave.host.ssh.SshSettings;
import dev.patchwave.inventory.Host;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Verdict;
import dev.patchwave.testing.EmulatedSshServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the HTTP, Prometheus and SSH checks decide, against a real HTTP server (the JDK's) and the
 * SSH test server: pass, fail, no data or no answer is INCONCLUSIVE (never a pass), a timeout.
 */
class HealthChecksTest {

  static HttpServer server;
  static int port;
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final Host LOCAL =
      new Host(
          "web-1",
          "127.0.0.1",
          22,
          Host.Transport.SIMULATED,
          Host.PackageFamily.APT,
          new TreeMap<>(),
          Optional.empty(),
          Optional.empty());

  @BeforeAll
  static void serve() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/ok", x -> answer(x, 200, "up"));
    server.createContext("/down", x -> answer(x, 503, "down"));
    server.createContext(
        "/slow",
        x -> {
          try {
            Thread.sleep(3000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          answer(x, 200, "late");
        });
    server.createContext(
        "/prom/api/v1/query",
        x -> {
          String q = x.getRequestURI().getQuery();
          String body =
              q.contains("healthy")
                  ? vector("0")
                  : q.contains("lagging")
                      ? vector("7")
                      : q.contains("absent")
                          ? "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}"
                          : q.contains("nan")
                              ? vector("NaN")
                              : "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}";
          answer(x, q.contains("broken") ? 500 : 200, body);
        });
    server.start();
    port = server.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  static String vector(String value) {
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + "{\"metric\":{\"instance\":\"web-1\"},\"value\":[1700000000,\""
        + value
        + "\"]}]}}";
  }

  static void answer(com.sun.net.httpserver.HttpExchange x, int status, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(status, bytes.length);
    x.getResponseBody().write(bytes);
    x.close();
  }

  static CheckResult run(HealthCheck check) {
    return check.check(
        new HealthCheck.Target(
            LOCAL, Optional.empty(), "", HostState.pending("web-1", 0, List.of(), Instant.now())));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"/ok, PASS", "/down, FAIL", "/slow, INCONCLUSIVE"})
  void anHttpProbe(String path, Verdict expected) {
    var spec =
        new RolloutPolicy.HttpCheck(
            "http", "http://127.0.0.1:" + port + path, 200, Duration.ofMillis(800));
    CheckResult r = run(new HttpProbeCheck(spec, HTTP));
    assertThat(r.verdict()).as(r.detail()).isEqualTo(expected);
  }

  @Test
  void anHttpProbeOfAClosedPortFails() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    var spec =
        new RolloutPolicy.HttpCheck(
            "http", "http://127.0.0.1:" + closed + "/", 200, Duration.ofSeconds(1));
    assertThat(run(new HttpProbeCheck(spec, HTTP)).verdict()).isEqualTo(Verdict.FAIL);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "healthy, PASS",
    "lagging, FAIL",
    "absent, INCONCLUSIVE",
    "nan, INCONCLUSIVE",
    "garbage, INCONCLUSIVE",
    "broken, INCONCLUSIVE"
  })
  void aPrometheusQuery(String query, Verdict expected) {
    var spec =
        new RolloutPolicy.PrometheusCheck(
            "prom", query, Optional.empty(), Optional.of(0.0), Optional.empty());
    CheckResult r =
        run(
            new PrometheusQueryCheck(
                spec, Optional.of("http://127.0.0.1:" + port + "/prom"), HTTP, new ObjectMapper()));
    assertThat(r.verdict()).as(r.detail()).isEqualTo(expected);
  }

  @Test
  void aPrometheusThatDoesNotAnswerIsInconclusiveNeverAPass() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    var spec =
        new RolloutPolicy.PrometheusCheck(
            "prom", "up", Optional.empty(), Optional.of(0.0), Optional.empty());
    CheckResult r =
        run(
            new PrometheusQueryCheck(
                spec, Optional.of("http://127.0.0.1:" + closed), HTTP, new ObjectMapper()));
    assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    CheckResult unset =
        run(new PrometheusQueryCheck(spec, Optional.empty(), HTTP, new ObjectMapper()));
    assertThat(unset.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
  }

  @Test
  void anSshCommandOverTheSshTestServer(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("id_ecdsa");
    com.jcraft.jsch.KeyPair kp =
        com.jcraft.jsch.KeyPair.genKeyPair(new JSch(), com.jcraft.jsch.KeyPair.ECDSA, 256);
    kp.writePrivateKey(key.toString());
    kp.writePublicKey(dir.resolve("authorized_keys").toString(), "patchwave-test");
    kp.dispose();
    Host model =
        new Host(
            "web-1",
            "127.0.0.1",
            22,
            Host.Transport.SIMULATED,
            Host.PackageFamily.APT,
            new TreeMap<>(Map.of("os-release", "24.04")),
            Optional.empty(),
            Optional.of(new Host.Simulation(Map.of(), Map.of(), List.of())));
    try (EmulatedSshServer ssh =
        new EmulatedSshServer(
            new EmulatedHost(model, Clock.systemUTC(), Duration.ofMillis(300)),
            dir.resolve("authorized_keys"))) {
      Files.writeString(dir.resolve("known_hosts"), ssh.knownHostsLine() + "\n");
      JschHostExecutor executor =
          new JschHostExecutor(
              new SshSettings(
                  "patchwave",
                  Optional.of(key),
                  Optional.of(dir.resolve("known_hosts")),
                  Duration.ofSeconds(5),
                  false,
                  2,
                  64 * 1024));
      Host host =
          new Host(
              "web-1",
              "127.0.0.1",
              ssh.port(),
              Host.Transport.SSH,
              Host.PackageFamily.APT,
              new TreeMap<>(),
              Optional.empty(),
              Optional.empty());
      try (HostSession session = executor.open(host)) {
        HealthCheck.Target target =
            new HealthCheck.Target(
                host,
                Optional.of(session),
                "",
                HostState.pending("web-1", 0, List.of(), Instant.now()));
        assertThat(ssh(List.of("true"), 0, target).verdict()).isEqualTo(Verdict.PASS);
        assertThat(ssh(List.of("systemctl", "is-system-running"), 0, target).verdict())
            .isEqualTo(Verdict.PASS);
        CheckResult missing = ssh(List.of("no-such-tool"), 0, target);
        assertThat(missing.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(missing.detail()).contains("exit 127");
        assertThat(ssh(List.of("sleep", "5"), 0, target).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      }
      HealthCheck.Target down =
          new HealthCheck.Target(
              host,
              Optional.empty(),
              "connection refused",
              HostState.pending("web-1", 0, List.of(), Instant.now()));
      assertThat(ssh(List.of("true"), 0, down).verdict()).isEqualTo(Verdict.FAIL);
    }
  }

  static CheckResult ssh(List<String> argv, int exit, HealthCheck.Target target) {
    return new SshCommandCheck(
            new RolloutPolicy.SshCheck("cmd", argv, exit, Duration.ofMillis(700)))
        .check(target);
  }

  @Test
  void aControllerWithoutAFreeSessionFailsNoHostButAnUnreachableHostFails() throws Exception {
    RolloutPolicy policy =
        dev.patchwave.policy.PolicyReader.read(
            """
            apiVersion: patchwave.dev/v1
            kind: RolloutPolicy
            metadata: {name: busy}
            spec:
              selector: {}
              waves: [{size: 100%}]
              health: {checks: [{builtin: reachable}, {builtin: system-running}]}
            """);
    HostState progress = HostState.pending("web-1", 0, List.of(), Instant.now());
    HealthChecker busy =
        new HealthChecker(
            h -> {
              throw new dev.patchwave.host.HostException.Busy(h.name(), "all 2 sessions busy");
            },
            HTTP,
            new com.fasterxml.jackson.databind.ObjectMapper(),
            Optional.empty(),
            node -> Optional.empty());
    assertThat(busy.run(policy, LOCAL, progress))
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE));

    HealthChecker down =
        new HealthChecker(
            h -> {
              throw new dev.patchwave.host.HostException.Unreachable(h.name(), "refused", null);
            },
            HTTP,
            new com.fasterxml.jackson.databind.ObjectMapper(),
            Optional.empty(),
            node -> Optional.empty());
    assertThat(down.run(policy, LOCAL, progress).get(0).verdict()).isEqualTo(Verdict.FAIL);
  }
}
