package dev.patchwave.patch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DriftTest {

  static final PackageVersion FIX = new PackageVersion("openssl", "3.0.13-0ubuntu3.5");
  static final PackageVersion BAD = new PackageVersion("linux-image-generic", "6.8.0-49.49");

  static HostScan scan(
      List<PendingUpdate> pending,
      Map<String, String> installed,
      Optional<List<PackageVersion>> pins,
      boolean selfUpdating) {
    return new HostScan(
        Instant.EPOCH,
        "ubuntu",
        "24.04",
        "6.8.0-48-generic",
        List.of(),
        false,
        List.of(),
        pending,
        List.of(),
        pins,
        selfUpdating
            ? new HostScan.SelfUpdate(true, "unattended-upgrades")
            : HostScan.SelfUpdate.NO,
        Optional.empty(),
        Optional.empty(),
        installed,
        HostScan.BootTrial.SUPPORTED);
  }

  static final PendingUpdate OPENSSL =
      new PendingUpdate(
          "openssl",
          Optional.of("3.0.13-0ubuntu3.4"),
          FIX.version(),
          List.of("noble-security"),
          true);

  @Test
  void aVersionNoRolloutInstalledIsDrift() {
    HostScan before = scan(List.of(OPENSSL), Map.of(), Optional.empty(), false);
    HostScan after = scan(List.of(), Map.of("openssl", FIX.version()), Optional.empty(), false);
    assertThat(Drift.find(Optional.of(before), after, v -> false, Set.of(), false))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(Drift.Kind.INSTALLED);
              assertThat(f.detail())
                  .contains("openssl=3.0.13-0ubuntu3.5")
                  .contains("was 3.0.13-0ubuntu3.4");
            });
    // a rollout installed it: no drift; a rollout owns the host now: not judged; no change: none
    assertThat(Drift.find(Optional.of(before), after, FIX::equals, Set.of(), false)).isEmpty();
    assertThat(Drift.find(Optional.of(before), after, v -> false, Set.of(), true)).isEmpty();
    HostScan same =
        scan(List.of(OPENSSL), Map.of("openssl", "3.0.13-0ubuntu3.4"), Optional.empty(), false);
    assertThat(Drift.find(Optional.of(before), same, v -> false, Set.of(), false)).isEmpty();
    // the first scan of a host is the baseline
    assertThat(Drift.find(Optional.empty(), after, v -> false, Set.of(), false)).isEmpty();
  }

  @Test
  void aMissingOrChangedPinFileIsDrift() {
    HostScan missing = scan(List.of(), Map.of(), Optional.empty(), false);
    assertThat(Drift.find(Optional.empty(), missing, v -> false, Set.of(BAD), false))
        .singleElement()
        .satisfies(f -> assertThat(f.detail()).contains("missing"));
    HostScan changed = scan(List.of(), Map.of(), Optional.of(List.of(FIX)), false);
    assertThat(Drift.find(Optional.empty(), changed, v -> false, Set.of(BAD), false))
        .singleElement()
        .satisfies(f -> assertThat(f.kind()).isEqualTo(Drift.Kind.PIN_FILE));
    HostScan right = scan(List.of(), Map.of(), Optional.of(List.of(BAD)), false);
    assertThat(Drift.find(Optional.empty(), right, v -> false, Set.of(BAD), false)).isEmpty();
    // nothing quarantined, no file: as it should be
    assertThat(Drift.find(Optional.empty(), missing, v -> false, Set.of(), false)).isEmpty();
  }

  @Test
  void selfUpdatingIsReportedWhenItStarts() {
    HostScan on = scan(List.of(), Map.of(), Optional.empty(), true);
    HostScan off = scan(List.of(), Map.of(), Optional.empty(), false);
    assertThat(Drift.find(Optional.of(off), on, v -> false, Set.of(), false))
        .extracting(Drift.Finding::kind)
        .containsExactly(Drift.Kind.SELF_UPDATING);
    assertThat(Drift.find(Optional.of(on), on, v -> false, Set.of(), false)).isEmpty();
  }
}
