package dev.patchwave.testing;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;

/**
 * The application's clock as a {@link ManualClock}, for test profiles that enable this alternative
 * ({@code getEnabledAlternatives}): the test moves time (package ages, schedules' age rule).
 */
@Alternative
@ApplicationScoped
public class TestClock {

  public static final ManualClock CLOCK = new ManualClock(Instant.now());

  @Produces
  @Singleton
  Clock clock() {
    return CLOCK;
  }
}
