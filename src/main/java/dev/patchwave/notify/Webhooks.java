package dev.patchwave.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Delivers notifications to the configured webhooks: a bounded queue per webhook, one delivery in
 * flight per webhook (so they arrive in order), retries with doubling backoff on errors, 429 and
 * 5xx. {@link #send} only enqueues: it never waits for the network. A webhook URL is a secret (a
 * Slack URL is its own credential): logs name only its host.
 */
@ApplicationScoped
public class Webhooks {

  private static final Logger LOG = Logger.getLogger(Webhooks.class);
  public static final String SIGNATURE = "X-Patchwave-Signature";
  public static final String TIMESTAMP = "X-Patchwave-Timestamp";
  public static final String EVENT = "X-Patchwave-Event";

  private final NotifyConfig config;
  private final ObjectMapper json;
  private final Clock clock;
  private final HttpClient http;
  private final List<Target> targets;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "patchwave-webhooks");
            t.setDaemon(true);
            return t;
          });

  public Webhooks(NotifyConfig config, ObjectMapper json, Clock clock) {
    this.config = config;
    this.json = json;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
    this.targets = config.webhooks().orElse(List.of()).stream().map(Target::new).toList();
    for (Target t : targets) {
      String scheme = t.hook.url().getScheme();
      if (!"http".equals(scheme) && !"https".equals(scheme)) {
        throw new IllegalStateException(
            "patchwave.notify.webhooks: expected an http or https URL, found scheme " + scheme);
      }
      t.hook
          .events()
          .ifPresent(
              events -> {
                for (String e : events) {
                  if (!Notification.EVENTS.contains(e)) {
                    throw new IllegalStateException(
                        "patchwave.notify.webhooks[].events: unknown event '"
                            + e
                            + "'; expected some of "
                            + Notification.EVENTS);
                  }
                }
              });
    }
  }

  void onStop(@Observes ShutdownEvent e) {
    timer.shutdownNow();
  }

  /** Queues {@code n} for every webhook that wants its event. Returns at once. */
  public void send(Notification n) {
    if (targets.isEmpty()) {
      return;
    }
    byte[] body;
    try {
      ObjectNode payload = json.createObjectNode();
      payload.put("text", n.text());
      payload.set("patchwave", json.valueToTree(n));
      body = json.writeValueAsBytes(payload);
    } catch (JsonProcessingException e) {
      LOG.errorf(e, "notification %s of rollout %s cannot be written", n.event(), n.rollout());
      return;
    }
    for (Target t : targets) {
      if (t.hook.events().map(es -> es.contains(n.event())).orElse(true)) {
        t.offer(new Delivery(n.event(), n.rollout(), body));
      }
    }
  }

  private record Delivery(String event, long rollout, byte[] body) {}

  /** One webhook: its queue and its one delivery in flight. */
  private final class Target {
    final NotifyConfig.Webhook hook;
    final Deque<Delivery> queue = new ArrayDeque<>();
    boolean busy;

    Target(NotifyConfig.Webhook hook) {
      this.hook = hook;
    }

    String name() {
      URI u = hook.url();
      return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
    }

    synchronized void offer(Delivery d) {
      if (queue.size() >= config.queueSize()) {
        Delivery dropped = queue.pollFirst();
        LOG.warnf(
            "webhook %s: queue full; dropped %s of rollout %d",
            name(), dropped.event(), dropped.rollout());
      }
      queue.addLast(d);
      if (!busy) {
        busy = true;
        timer.execute(this::next);
      }
    }

    synchronized Delivery peek() {
      Delivery d = queue.peekFirst();
      if (d == null) {
        busy = false;
      }
      return d;
    }

    synchronized void done() {
      queue.pollFirst();
    }

    void next() {
      Delivery d = peek();
      if (d != null) {
        attempt(d, 1);
      }
    }

    void attempt(Delivery d, int attempt) {
      HttpRequest.Builder req =
          HttpRequest.newBuilder(hook.url())
              .timeout(config.timeout())
              .header("Content-Type", "application/json")
              .header("User-Agent", "patchwave")
              .header(EVENT, d.event())
              .POST(HttpRequest.BodyPublishers.ofByteArray(d.body()));
      hook.secret()
          .ifPresent(
              secret -> {
                String ts = Long.toString(clock.instant().getEpochSecond());
                req.header(TIMESTAMP, ts);
                req.header(SIGNATURE, "sha256=" + sign(secret, ts, d.body()));
              });
      http.sendAsync(req.build(), HttpResponse.BodyHandlers.discarding())
          .whenComplete(
              (response, error) -> {
                int status = response == null ? 0 : response.statusCode();
                boolean delivered = error == null && status >= 200 && status < 300;
                boolean retry = !delivered && (error != null || status == 429 || status >= 500);
                if (delivered) {
                  LOG.debugf(
                      "webhook %s: %s of rollout %d delivered", name(), d.event(), d.rollout());
                } else if (retry && attempt < config.maxAttempts()) {
                  long wait = backoff(attempt).toMillis();
                  LOG.infof(
                      "webhook %s: %s of rollout %d failed (%s); attempt %d of %d in %d ms",
                      name(),
                      d.event(),
                      d.rollout(),
                      why(status, error),
                      attempt + 1,
                      config.maxAttempts(),
                      wait);
                  timer.schedule(() -> attempt(d, attempt + 1), wait, TimeUnit.MILLISECONDS);
                  return;
                } else {
                  LOG.warnf(
                      "webhook %s: %s of rollout %d not delivered after %d attempts (%s)",
                      name(), d.event(), d.rollout(), attempt, why(status, error));
                }
                done();
                timer.execute(this::next);
              });
    }
  }

  Duration backoff(int attempt) {
    Duration d = config.initialBackoff().multipliedBy(1L << Math.min(attempt - 1, 20));
    return d.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : d;
  }

  private static String why(int status, Throwable error) {
    return error != null ? error.getClass().getSimpleName() : "HTTP " + status;
  }

  /** HMAC-SHA256 over {@code timestamp + "." + body}, as lower-case hex. */
  public static String sign(String secret, String timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
