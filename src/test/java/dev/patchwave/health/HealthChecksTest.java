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
import dev.patchwave.policy.CheckCatalogue;
import dev.patchwave.policy.CheckCatalogue.Datasource;
import dev.patchwave.policy.CheckCatalogue.HttpTarget;
import dev.patchwave.policy.CheckCatalogue.SshCommand;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Verdict;
import dev.patchwave.testing.EmulatedSshServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
              q.contains("leaky")
                  ? "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"SECRET-ERROR\"}"
                  : q.contains("notjson")
                      ? "SECRET-TOKEN and more"
                      : q.contains("labelled")
                          ? vectorOf("SECRET-LABEL", "9")
                          : q.contains("healthy")
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
    return vectorOf("web-1", value);
  }

  static String vectorOf(String instance, String value) {
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + "{\"metric\":{\"instance\":\""
        + instance
        + "\"},\"value\":[1700000000,\""
        + value
        + "\"]}]}}";
  }

  static Datasource source(String url) {
    return new Datasource("main", url, Optional.empty(), Optional.empty());
  }

  static PrometheusQueryCheck prometheus(
      RolloutPolicy.PrometheusCheck spec, Optional<Datasource> ds) {
    return new PrometheusQueryCheck(spec, ds, d -> HTTP, new ObjectMapper());
  }

  static RolloutPolicy.PrometheusCheck promSpec(String query) {
    return new RolloutPolicy.PrometheusCheck(
        "prom", query, Optional.empty(), Optional.of(0.0), Optional.empty(), Optional.of("main"));
  }

  static HttpProbeCheck probe(String url, Duration timeout) {
    var spec =
        new RolloutPolicy.HttpCheck("http", Optional.of("t"), Optional.empty(), 200, timeout);
    return new HttpProbeCheck(spec, Optional.of(new HttpTarget("t", url)), HTTP);
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
    CheckResult r = run(probe("http://127.0.0.1:" + port + path, Duration.ofMillis(800)));
    assertThat(r.verdict()).as(r.detail()).isEqualTo(expected);
  }

  @Test
  void anHttpProbeOfAClosedPortFails() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    assertThat(run(probe("http://127.0.0.1:" + closed + "/", Duration.ofSeconds(1))).verdict())
        .isEqualTo(Verdict.FAIL);
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
    CheckResult r =
        run(prometheus(promSpec(query), Optional.of(source("http://127.0.0.1:" + port + "/prom"))));
    assertThat(r.verdict()).as(r.detail()).isEqualTo(expected);
  }

  @Test
  void aPrometheusThatDoesNotAnswerIsInconclusiveNeverAPass() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    var spec = promSpec("up");
    CheckResult r = run(prometheus(spec, Optional.of(source("http://127.0.0.1:" + closed))));
    assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    CheckResult unset = run(prometheus(spec, Optional.empty()));
    assertThat(unset.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(unset.detail()).contains("'main' is not in the check catalogue");
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
        assertThat(missing.detail()).isEqualTo("exit 127, expected 0");
        // what a command printed reaches the result only where its catalogue entry says so
        CheckResult shadow = ssh(List.of("cat", "/etc/shadow"), 0, target);
        assertThat(shadow.detail()).isEqualTo("exit 1, expected 0");
        assertThat(ssh(List.of("uname", "-r"), 0, target).detail()).isEqualTo("exit 0");
        assertThat(ssh(List.of("uname", "-r"), 0, true, target).detail())
            .startsWith("exit 0: ")
            .contains(new EmulatedHost(model, Clock.systemUTC(), Duration.ZERO).runningKernel());
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

  /** The argv as a catalogue command without arguments, its output reported or not. */
  static CheckResult ssh(List<String> argv, int exit, HealthCheck.Target target) {
    return ssh(argv, exit, false, target);
  }

  static CheckResult ssh(List<String> argv, int exit, boolean output, HealthCheck.Target target) {
    return new SshCommandCheck(
            new RolloutPolicy.SshCheck(
                "cmd", Optional.of("cmd"), List.of(), exit, Duration.ofMillis(700)),
            Optional.of(new SshCommand("cmd", argv, List.of(), output)))
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
            CheckCatalogue.EMPTY,
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
            CheckCatalogue.EMPTY,
            node -> Optional.empty());
    assertThat(down.run(policy, LOCAL, progress).get(0).verdict()).isEqualTo(Verdict.FAIL);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"leaky", "notjson", "labelled"})
  void noTextOfAPrometheusAnswerReachesTheResult(String query) {
    CheckResult r =
        run(prometheus(promSpec(query), Optional.of(source("http://127.0.0.1:" + port + "/prom"))));

    assertThat(r.verdict()).isNotEqualTo(Verdict.PASS);
    assertThat(r.detail()).doesNotContain("SECRET");
  }

  @Test
  void aProbeOfAServerThatAnswersGarbageQuotesNoneOfIt() throws Exception {
    try (ServerSocket raw = new ServerSocket(0)) {
      Thread t =
          new Thread(
              () -> {
                try (Socket s = raw.accept();
                    OutputStream out = s.getOutputStream()) {
                  s.getInputStream().read(new byte[4096]);
                  out.write("SECRET-STATUS-LINE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                  // the probe gave up first
                }
              });
      t.start();
      CheckResult r =
          run(probe("http://127.0.0.1:" + raw.getLocalPort() + "/", Duration.ofSeconds(2)));
      t.join(5000);

      assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(r.detail()).doesNotContain("SECRET");
    }
  }

  @Test
  void aDatasourceQueryCarriesItsBearerTokenReadAtEachQuery(@TempDir Path dir) throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "first\n");
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    server.createContext(
        "/auth/api/v1/query",
        x -> {
          seen.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
          answer(x, 200, vector("0"));
        });
    Datasource ds =
        new Datasource(
            "main",
            "http://127.0.0.1:" + port + "/auth",
            Optional.of(token.toString()),
            Optional.empty());
    try {
      assertThat(run(prometheus(promSpec("up"), Optional.of(ds))).verdict())
          .isEqualTo(Verdict.PASS);
      Files.writeString(token, "second\n");
      assertThat(run(prometheus(promSpec("up"), Optional.of(ds))).verdict())
          .isEqualTo(Verdict.PASS);
      Files.delete(token);
      CheckResult gone = run(prometheus(promSpec("up"), Optional.of(ds)));
      assertThat(gone.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(gone.detail()).contains("bearer token file").doesNotContain(token.toString());
    } finally {
      server.removeContext("/auth/api/v1/query");
    }
    assertThat(seen).containsExactly("Bearer first", "Bearer second");
  }

  @Test
  void inlineChecksOfAStoredRolloutAreNotRunUnlessAllowed() throws Exception {
    RolloutPolicy policy =
        dev.patchwave.policy.PolicyReader.read(
            """
            apiVersion: patchwave.dev/v1
            kind: RolloutPolicy
            metadata: {name: inline}
            spec:
              selector: {}
              waves: [{size: 100%%}]
              health:
                checks:
                  - ssh: {command: [cat, /etc/shadow], expectExit: 1}
                  - http: {url: "http://127.0.0.1:%d/ok"}
            """
                .formatted(port));
    List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
    EmulatedHost emulated =
        new EmulatedHost(
            new Host(
                "web-1",
                "127.0.0.1",
                22,
                Host.Transport.SIMULATED,
                Host.PackageFamily.APT,
                new TreeMap<>(),
                Optional.empty(),
                Optional.of(new Host.Simulation(Map.of(), Map.of(), List.of()))),
            Clock.systemUTC(),
            Duration.ZERO);
    dev.patchwave.host.HostExecutor hosts =
        h ->
            new HostSession() {
              @Override
              public dev.patchwave.host.CommandResult run(dev.patchwave.patch.Command c) {
                ran.add(String.join(" ", c.argv()));
                try {
                  EmulatedHost.Reply r = emulated.exec(c.argv(), c.stdin());
                  return new dev.patchwave.host.CommandResult(
                      r.exitCode(), r.stdout(), r.stderr(), false, Duration.ZERO);
                } catch (EmulatedHost.DownException e) {
                  throw new AssertionError(e);
                }
              }

              @Override
              public void close() {}
            };
    HostState progress = HostState.pending("web-1", 0, List.of(), Instant.now());

    List<CheckResult> refused =
        new HealthChecker(
                hosts, HTTP, new ObjectMapper(), CheckCatalogue.EMPTY, n -> Optional.empty())
            .run(policy, LOCAL, progress);
    assertThat(refused)
        .allSatisfy(
            r -> {
              assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
              assertThat(r.detail()).contains(CheckCatalogue.ALLOW_INLINE);
            });
    assertThat(ran).isEmpty();

    List<CheckResult> allowed =
        new HealthChecker(
                hosts,
                HTTP,
                new ObjectMapper(),
                CheckCatalogue.EMPTY.allowingInline(true),
                n -> Optional.empty())
            .run(policy, LOCAL, progress);
    assertThat(allowed).allSatisfy(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
    assertThat(ran).containsExactly("cat /etc/shadow");
  }
}
