package dev.patchwave.patch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PatchSetTest {

  static PendingUpdate pending(String name, String candidate) {
    return new PendingUpdate(name, Optional.of("0"), candidate, List.of("noble-security"), true);
  }

  final PatchSet set =
      PatchSet.of(
          List.of(
              new PackageVersion("linux-image-generic", "6.8.0-49.49"),
              new PackageVersion("linux-image-generic", "5.15.0.126.124"),
              new PackageVersion("openssl", "3.0.13-0ubuntu3.5")));

  @Test
  void aHostInstallsTheSetsVersionsAndNothingElse() {
    var s =
        set.select(
            List.of(
                pending("linux-image-generic", "6.8.0-49.49"),
                pending("curl", "8.5.0-2ubuntu10.5")),
            Map.of());
    assertThat(s.install())
        .containsExactly(new PackageVersion("linux-image-generic", "6.8.0-49.49"));
    assertThat(s.outside()).containsExactly(new PackageVersion("curl", "8.5.0-2ubuntu10.5"));
    assertThat(s.unavailable()).isEmpty();
  }

  @Test
  void aNewerCandidateIsIgnoredInFavourOfTheFrozenVersionWhenOffered() {
    var s =
        set.select(
            List.of(pending("openssl", "3.0.13-0ubuntu3.6")),
            Map.of("openssl", Set.of("3.0.13-0ubuntu3.6", "3.0.13-0ubuntu3.5")));
    assertThat(s.install()).containsExactly(new PackageVersion("openssl", "3.0.13-0ubuntu3.5"));
  }

  @Test
  void aFrozenVersionNoLongerOfferedIsReportedNotReplaced() {
    var s =
        set.select(
            List.of(pending("openssl", "3.0.13-0ubuntu3.6")),
            Map.of("openssl", Set.of("3.0.13-0ubuntu3.6")));
    assertThat(s.install()).isEmpty();
    assertThat(s.unavailable()).extracting(PackageVersion::name).containsExactly("openssl");
  }
}
