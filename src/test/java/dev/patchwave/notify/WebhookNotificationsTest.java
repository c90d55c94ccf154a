package dev.patchwave.notify;

import static dev.patchwave.testing.RolloutApi.phase;
import static dev.patchwave.testing.RolloutApi.putPolicy;
import static dev.patchwave.testing.RolloutApi.start;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Webhooks against a real HTTP server on loopback: a signed hook that fails twice before it answers
 * (retries), a hook that never answers and one where nothing listens (neither slows the rollout),
 * and a hook that only wants halts.
 */
@QuarkusTest
@TestProfile(WebhookNotificationsTest.Hooks.class)
class WebhookNotificationsTest {

  static final String SECRET = "s3cret-for-hmac";

  /** What the test server received. */
  record Received(String path, String event, String timestamp, String signature, byte[] body) {
    JsonNode json() {
      try {
        return new ObjectMapper().readTree(body);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
  static final AtomicInteger FLAKY_CALLS = new AtomicInteger();

  /** The webhook server, started before the application so its port can be configured. */
  public static class Server implements QuarkusTestResourceLifecycleManager {
    HttpServer server;

    @Override
    public Map<String, String> start() {
      try {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext(
            "/signed",
            x -> {
              byte[] body = x.getRequestBody().readAllBytes();
              // the first two attempts of each notification fail: 503, then 500
              int n = FLAKY_CALLS.incrementAndGet();
              int status = n % 3 == 0 ? 204 : (n % 3 == 1 ? 503 : 500);
              if (status == 204) {
                RECEIVED.add(
                    new Received(
                        "/signed",
                        x.getRequestHeaders().getFirst(Webhooks.EVENT),
                        x.getRequestHeaders().getFirst(Webhooks.TIMESTAMP),
                        x.getRequestHeaders().getFirst(Webhooks.SIGNATURE),
                        body));
              }
              x.sendResponseHeaders(status, -1);
              x.close();
            });
        server.createContext(
            "/halts-only",
            x -> {
              byte[] body = x.getRequestBody().readAllBytes();
              RECEIVED.add(
                  new Received(
                      "/halts-only",
                      x.getRequestHeaders().getFirst(Webhooks.EVENT),
                      null,
                      x.getRequestHeaders().getFirst(Webhooks.SIGNATURE),
                      body));
              x.sendResponseHeaders(200, -1);
              x.close();
            });
        server.createContext(
            "/hangs",
            x -> {
              try {
                Thread.sleep(60_000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              x.close();
            });
        server.start();
        int port = server.getAddress().getPort();
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
          closed = s.getLocalPort(); // nothing listens here once closed
        }
        String base = "http://127.0.0.1:" + port;
        return Map.ofEntries(
            Map.entry("patchwave.notify.webhooks[0].url", base + "/hangs"),
            Map.entry("patchwave.notify.webhooks[1].url", "http://127.0.0.1:" + closed + "/dead"),
            Map.entry("patchwave.notify.webhooks[2].url", base + "/signed"),
            Map.entry("patchwave.notify.webhooks[2].secret", SECRET),
            Map.entry("patchwave.notify.webhooks[3].url", base + "/halts-only"),
            Map.entry("patchwave.notify.webhooks[3].events", "halted"),
            Map.entry("patchwave.notify.initial-backoff", "100ms"),
            Map.entry("patchwave.notify.timeout", "20s"));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void stop() {
      server.stop(0);
    }
  }

  public static class Hooks implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.datasource.jdbc.url", "jdbc:h2:mem:webhooks;DB_CLOSE_DELAY=-1");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(Server.class));
    }
  }

  @BeforeAll
  static void admin() {
    TestTokens.actAsAdmin();
  }

  @Test
  void haltApprovalAndCompletionReachTheHooksSignedAndRetriedWhileDeadHooksSlowNothing() {
    putPolicy(
        "brokers",
        """
        {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy", "metadata": {"name": "brokers"},
         "spec": {"selector": {"matchLabels": {"role": "kafka"}},
                  "packages": {"include": ["linux-*"]},
                  "disruption": {"groupBy": ["kafka-cluster"], "maxUnavailablePerGroup": 1},
                  "canary": {"coverBy": ["os-release", "hardware"]},
                  "waves": [{"name": "canary", "size": 1}, {"size": "100%"}],
                  "reboot": {"trial": false, "powerCycles": 0},
                  "health": {"interval": "5s", "timeout": "5s"}}}
        """);
    putPolicy(
        "web",
        """
        {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy", "metadata": {"name": "web"},
         "spec": {"selector": {"matchLabels": {"role": "web"}},
                  "packages": {"include": ["openssl"]}, "reboot": "never",
                  "canary": {"coverBy": ["os-release"]},
                  "waves": [{"name": "canary", "size": 1},
                            {"name": "rest", "size": "100%", "approval": "manual"}],
                  "health": {"interval": "5s", "timeout": "30s"}}}
        """);

    Instant begin = Instant.now();
    long halted = start("brokers");
    // the hanging hook holds its first delivery for its whole 20 s timeout: the rollout does not
    // wait for it (the canary reboots and fails within about 6 s)
    await().atMost(Duration.ofSeconds(15)).until(() -> phase(halted).equals("HALTED"));
    assertThat(Duration.between(begin, Instant.now())).isLessThan(Duration.ofSeconds(15));

    long web = start("web");
    await().atMost(Duration.ofSeconds(60)).until(() -> phase(web).equals("AWAITING_APPROVAL"));
    given()
        .auth()
        .oauth2(TestTokens.APPROVER)
        .post("/api/v1/rollouts/" + web + "/waves/1/approve")
        .then()
        .statusCode(200);
    await().atMost(Duration.ofSeconds(60)).until(() -> phase(web).equals("COMPLETED"));

    await().atMost(Duration.ofSeconds(30)).until(() -> received("/signed").size() == 5);
    List<Received> signed = received("/signed");
    assertThat(signed.stream().map(Received::event))
        .containsExactly("started", "halted", "started", "awaiting-approval", "completed");
    assertThat(FLAKY_CALLS.get()).isEqualTo(15); // three attempts for each of the five
    for (Received r : signed) {
      assertThat(r.signature())
          .isEqualTo("sha256=" + Webhooks.sign(SECRET, r.timestamp(), r.body()));
      assertThat(r.signature())
          .isNotEqualTo("sha256=" + Webhooks.sign("wrong", r.timestamp(), r.body()));
      assertThat(r.json().get("text").asText()).startsWith("Patchwave rollout #");
    }

    JsonNode halt = signed.get(1).json().get("patchwave");
    assertThat(halt.get("rollout").asLong()).isEqualTo(halted);
    assertThat(halt.get("reason").asText()).isEqualTo("TOO_MANY_FAILURES");
    assertThat(halt.get("failedHosts").get(0).get("host").asText()).isEqualTo("kafka-a-1");
    assertThat(halt.get("failedHosts").get(0).get("output").asText()).isNotBlank();
    assertThat(halt.get("quarantined").get(0).asText())
        .isEqualTo("linux-image-generic=6.8.0-49.49");
    assertThat(signed.get(1).json().get("text").asText())
        .contains("HALTED", "linux-image-generic=6.8.0-49.49");
    JsonNode approval = signed.get(3).json().get("patchwave");
    assertThat(approval.get("wave").asInt()).isEqualTo(1);
    assertThat(approval.get("waveName").asText()).isEqualTo("rest");

    // the hook that wants halts got the halt and nothing else, unsigned
    List<Received> haltsOnly = received("/halts-only");
    assertThat(haltsOnly).hasSize(1);
    assertThat(haltsOnly.get(0).event()).isEqualTo("halted");
    assertThat(haltsOnly.get(0).signature()).isNull();
  }

  static List<Received> received(String path) {
    return RECEIVED.stream().filter(r -> r.path().equals(path)).toList();
  }
}
