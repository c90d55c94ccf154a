package dev.patchwave.app;

import dev.patchwave.policy.Amount;
import dev.patchwave.policy.Guardrails;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code patchwave.guardrails.*}: the limits no policy may exceed. Configuration only (a ConfigMap
 * in Kubernetes), never writable through the API. The defaults are safe; see {@link
 * Guardrails#DEFAULT}.
 */
@ConfigMapping(prefix = "patchwave.guardrails")
public interface GuardrailsConfig {

  /** The most hosts in flight fleet-wide, across all rollouts (unset: only the percentage). */
  @WithName("max-in-flight")
  Optional<Integer> maxInFlight();

  /** The most hosts in flight fleet-wide, as a percentage of the inventory. */
  @WithName("max-in-flight-percent")
  @WithDefault("10")
  int maxInFlightPercent();

  FirstWave firstWave();

  @WithName("reboot-always")
  RebootAlways rebootAlways();

  /** Whether a policy may select every host of the inventory. */
  @WithName("select-all")
  @WithDefault("false")
  boolean selectAll();

  /** The first wave: the canary. */
  interface FirstWave {
    /** A first wave smaller than the whole rollout is required. */
    @WithDefault("true")
    boolean required();

    /** The largest first wave a policy may ask for: a count ({@code 3}) or a percentage. */
    @WithName("max-size")
    @WithDefault("10%")
    String maxSize();

    /** The shortest soak of the first wave. */
    @WithName("min-soak")
    @WithDefault("10m")
    Duration minSoak();
  }

  /** Policies with {@code reboot: always}. */
  interface RebootAlways {
    /** The most hosts such a policy may take down at once. */
    @WithName("max-unavailable")
    @WithDefault("5")
    int maxUnavailable();
  }

  Pattern AMOUNT = Pattern.compile("(\\d{1,6})(%?)");

  /** The guardrails as the pure core knows them. */
  default Guardrails guardrails() {
    Matcher m = AMOUNT.matcher(firstWave().maxSize().strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "patchwave.guardrails.first-wave.max-size must be a host count or a percentage, not '"
              + firstWave().maxSize()
              + "'");
    }
    int value = Integer.parseInt(m.group(1));
    Amount size = m.group(2).isEmpty() ? Amount.count(value) : Amount.percent(value);
    return new Guardrails(
        maxInFlight(),
        maxInFlightPercent(),
        firstWave().required(),
        size,
        firstWave().minSoak(),
        rebootAlways().maxUnavailable(),
        selectAll());
  }
}
