package dev.patchwave.notify;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** {@code patchwave.notify.*}: the webhooks and how hard to try each delivery. */
@ConfigMapping(prefix = "patchwave.notify")
public interface NotifyConfig {

  /** The webhooks; none by default. */
  Optional<List<Webhook>> webhooks();

  /** Attempts per notification and webhook, the first included. */
  @WithDefault("6")
  int maxAttempts();

  /** Wait before the second attempt; doubles for each further one. */
  @WithDefault("2s")
  Duration initialBackoff();

  /** Longest wait between two attempts. */
  @WithDefault("5m")
  Duration maxBackoff();

  /** Timeout of one HTTP request (connect and answer). */
  @WithDefault("10s")
  Duration timeout();

  /** Notifications waiting per webhook before the oldest is dropped. */
  @WithDefault("1000")
  int queueSize();

  /** One webhook. */
  interface Webhook {

    /** Where to POST (an http or https URL; a Slack incoming webhook works as is). */
    URI url();

    /** Secret for the {@code X-Patchwave-Signature} HMAC-SHA256 header; none: unsigned. */
    Optional<String> secret();

    /**
     * Which events: started, awaiting-approval, paused, halted, aborted, completed,
     * completed-with-skips. None: all.
     */
    Optional<Set<String>> events();
  }
}
