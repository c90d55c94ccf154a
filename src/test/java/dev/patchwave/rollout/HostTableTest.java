package dev.patchwave.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The host table against a plain map: random edits give the same hosts in the same order, the same
 * counts per phase, and exactly the changed hosts; the table edited from is never touched.
 */
class HostTableTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final HostPhase[] PHASES = HostPhase.values();

  @Test
  void randomEditsAgreeWithAMapAndReportExactlyWhatChanged() {
    Random random = new Random(7);
    for (int run = 0; run < 200; run++) {
      int n = 1 + random.nextInt(run < 100 ? 40 : 1500);
      List<HostState> start = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        start.add(
            HostState.pending(
                "h" + random.nextInt(1_000_000) + "-" + i, random.nextInt(4), List.of(), T0));
      }
      HostTable table = HostTable.of(start);
      Map<String, HostState> model = new LinkedHashMap<>();
      start.forEach(h -> model.put(h.name(), h));
      for (int decision = 0; decision < 5; decision++) {
        HostTable before = table;
        Map<String, HostState> modelBefore = new LinkedHashMap<>(model);
        HostTable.Editor edit = table.edit();
        int edits = random.nextInt(Math.min(n, 20) + 1);
        for (int e = 0; e < edits; e++) {
          HostState h = start.get(random.nextInt(n));
          HostState next =
              edit.get(h.name()).to(PHASES[random.nextInt(PHASES.length)], Reason.STARTED, "", T0);
          edit.put(next);
          model.put(next.name(), next);
        }
        table = edit.freeze();

        assertThat(table).isEqualTo(model);
        assertThat(List.copyOf(table.keySet())).isEqualTo(List.copyOf(model.keySet()));
        assertThat(List.copyOf(table.values())).isEqualTo(List.copyOf(model.values()));
        List<HostState> inOrder = List.copyOf(model.values());
        for (HostPhase p : PHASES) {
          assertThat(table.count(p))
              .as("hosts in %s", p)
              .isEqualTo(model.values().stream().filter(h -> h.phase() == p).count());
          for (int w = 0; w < 5; w++) {
            int wave = w;
            assertThat(table.count(w, p))
                .as("hosts of wave %d in %s", w, p)
                .isEqualTo(
                    model.values().stream()
                        .filter(h -> h.phase() == p && h.wave() == wave)
                        .count());
          }
          List<Integer> listed = new ArrayList<>();
          for (int k = table.next(p, 0); k >= 0; k = table.next(p, k + 1)) {
            listed.add(k);
          }
          List<Integer> expectedOrdinals = new ArrayList<>();
          for (int k = 0; k < inOrder.size(); k++) {
            if (inOrder.get(k).phase() == p) {
              expectedOrdinals.add(k);
            }
          }
          assertThat(listed).as("ordinals in %s", p).isEqualTo(expectedOrdinals);
        }
        BitSet expected = new BitSet();
        int i = 0;
        for (String name : model.keySet()) {
          if (model.get(name) != modelBefore.get(name)) {
            expected.set(i);
          }
          i++;
        }
        assertThat(table.isRebuiltFrom(before)).isFalse();
        assertThat(table.changesFrom(before)).isEqualTo(expected);
        // the table edited from is as it was
        assertThat(before).isEqualTo(modelBefore);
      }
    }
  }

  @Test
  void aReplacedTableIsRebuiltAndAnotherTableIsNotAnEditOfThisOne() {
    HostTable a = HostTable.of(List.of(HostState.pending("a", 0, List.of(), T0)));
    HostTable b = HostTable.of(List.of(HostState.pending("a", 0, List.of(), T0)));
    HostTable.Editor edit = a.edit();
    edit.replaceAll(b);
    HostTable replaced = edit.freeze();
    assertThat(replaced.isRebuiltFrom(a)).isTrue();
    assertThat(replaced.changesFrom(a).cardinality()).isEqualTo(1);
    assertThat(b.isRebuiltFrom(a)).isTrue();
    assertThat(a.isRebuiltFrom(a)).isFalse();
    assertThat(a.changesFrom(a).isEmpty()).isTrue();
    // an edit of an edit is not an edit of the first table: everything is written again
    HostTable once = a.edit().freeze();
    HostTable twice = once.edit().freeze();
    assertThat(twice.isRebuiltFrom(a)).isTrue();
  }

  @Test
  void onlyHostsOfTheTableCanBePutAndNamesAreDistinct() {
    HostTable t = HostTable.of(List.of(HostState.pending("a", 0, List.of(), T0)));
    assertThatThrownBy(() -> t.edit().put(HostState.pending("b", 0, List.of(), T0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("b");
    assertThatThrownBy(
            () ->
                HostTable.of(
                    List.of(
                        HostState.pending("a", 0, List.of(), T0),
                        HostState.pending("a", 1, List.of(), T0))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> t.put("a", null)).isInstanceOf(UnsupportedOperationException.class);
  }
}
