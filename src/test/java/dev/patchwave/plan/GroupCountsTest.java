package dev.patchwave.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The planner's (group, batch) counter agrees with a plain map, through growth and collisions. */
class GroupCountsTest {

  @Test
  void countsLikeAMap() {
    WavePlanner.GroupCounts counts = new WavePlanner.GroupCounts(4);
    Map<Long, Integer> expected = new HashMap<>();
    Random r = new Random(1);
    for (int k = 0; k < 200_000; k++) {
      int group = r.nextInt(20_000);
      int batch = r.nextInt(40_000);
      counts.add(group, batch);
      expected.merge(((long) group << 32) | batch, 1, Integer::sum);
    }
    expected.forEach(
        (key, n) -> assertThat(counts.get((int) (key >>> 32), (int) (long) key)).isEqualTo(n));
    assertThat(counts.get(20_001, 0)).isZero();
    assertThat(counts.get(0, 40_001)).isZero();
    // group 0, batch 0 is a key like any other (the empty slot is not 0 for it)
    counts.add(0, 0);
    assertThat(counts.get(0, 0)).isEqualTo(expected.getOrDefault(0L, 0) + 1);
  }
}
