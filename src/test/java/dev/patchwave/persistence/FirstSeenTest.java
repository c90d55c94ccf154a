package dev.patchwave.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PendingUpdate;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A version's first sight is recorded once, whoever sees it first: 30 surveys and scans that see
 * the same new version at the same moment all succeed, and one time stands.
 */
@QuarkusTest
class FirstSeenTest {

  @Inject ScanStore scans;

  @Test
  void thirtyConcurrentSightingsOfANewVersionRecordOneFirstSeen() throws Exception {
    String version = "1.0." + System.nanoTime();
    PendingUpdate update =
        new PendingUpdate("first-seen-test", Optional.of("0.9"), version, List.of("x"), true);
    Instant base = Instant.parse("2026-12-01T00:00:00Z");
    ExecutorService pool = Executors.newFixedThreadPool(30);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> calls = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      int n = i;
      calls.add(
          pool.submit(
              () -> {
                go.await();
                scans.seen("host-" + n, List.of(update), base.plusSeconds(n));
                return null;
              }));
    }
    go.countDown();
    for (Future<?> f : calls) {
      f.get(); // none of them fails
    }
    pool.shutdown();
    var seen = scans.firstSeen(List.of(new PackageVersion("first-seen-test", version)));
    assertThat(seen).hasSize(1);
    Instant first = seen.values().iterator().next();
    assertThat(first).isBetween(base, base.plusSeconds(29));
    // a later sighting does not move it
    scans.seen("host-late", List.of(update), base.plusSeconds(3600));
    assertThat(scans.firstSeen(List.of(new PackageVersion("first-seen-test", version))))
        .containsValue(first);
  }
}
