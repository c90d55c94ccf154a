package dev.patchwave.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.testing.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokensTest {

  @TempDir Path dir;
  final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T08:00:00Z"));

  static String file(String entries) {
    return "apiVersion: patchwave.dev/v1\nkind: ApiTokens\ntokens:\n" + entries;
  }

  static String entry(String name, String roles, String token) {
    return "  - name: "
        + name
        + "\n    roles: "
        + roles
        + "\n    sha256: "
        + ApiTokens.sha256(token)
        + "\n";
  }

  @Test
  void everyProblemOfATokenFileIsReportedWithItsPlace() {
    String text =
        file(
            "  - name: alice\n    roles: [root]\n    sha256: abc\n"
                + "  - name: Bob!\n    roles: []\n    sha256: "
                + "a".repeat(64)
                + "\n    password: hunter2\n"
                + "  - name: carol\n    roles: [viewer]\n    sha256: "
                + "a".repeat(64)
                + "\n");
    assertThatThrownBy(() -> ApiTokenReader.read(text))
        .isInstanceOf(DocumentException.class)
        .satisfies(
            e -> {
              var problems = ((DocumentException) e).problems();
              assertThat(problems)
                  .extracting(p -> p.path())
                  .contains(
                      "tokens[0].roles[0]",
                      "tokens[0].sha256",
                      "tokens[1].name",
                      "tokens[1].roles",
                      "tokens[1].password",
                      "tokens[2].sha256");
              assertThat(problems).allSatisfy(p -> assertThat(p.location().line()).isPositive());
            });
  }

  @Test
  void theFirstStartCreatesOneAdminTokenReadableOnlyByTheOwnerAndKeepsIt() throws Exception {
    ApiTokens first = new ApiTokens(Optional.empty(), dir.toString(), clock);
    first.start();
    Path tokenFile = dir.resolve("admin-token");
    assertThat(Files.getPosixFilePermissions(tokenFile))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Files.getPosixFilePermissions(dir.resolve("api-tokens.yaml")))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    String token = Files.readString(tokenFile).trim();
    assertThat(token).startsWith("pw_").hasSizeGreaterThan(40);
    assertThat(Files.readString(dir.resolve("api-tokens.yaml"))).doesNotContain(token);
    assertThat(first.find(token))
        .hasValueSatisfying(
            t -> {
              assertThat(t.name()).isEqualTo("admin");
              assertThat(t.roles()).isEqualTo(Set.of("viewer", "operator", "approver"));
            });
    assertThat(first.find(token + "x")).isEmpty();

    ApiTokens again = new ApiTokens(Optional.empty(), dir.toString(), clock);
    again.start();
    assertThat(Files.readString(tokenFile).trim()).isEqualTo(token);
    assertThat(again.find(token)).isPresent();
  }

  @Test
  void aChangedFileIsReadAgainAndABrokenOrMissingOneAcceptsNoToken() throws Exception {
    Path f = dir.resolve("tokens.yaml");
    Files.writeString(f, file(entry("alice", "[viewer]", "pw_alice")));
    ApiTokens tokens = new ApiTokens(Optional.of(f.toString()), dir.toString(), clock);
    tokens.start();
    assertThat(tokens.find("pw_alice")).isPresent();
    assertThat(tokens.find("pw_bob")).isEmpty();

    // rotate: bob in, alice out
    rewrite(f, file(entry("bob", "[operator]", "pw_bob")), 5);
    assertThat(tokens.find("pw_bob"))
        .hasValueSatisfying(t -> assertThat(t.name()).isEqualTo("bob"));
    assertThat(tokens.find("pw_alice")).isEmpty();

    // a broken edit fails closed: no token at all until the file is valid again
    rewrite(f, file("  - name: [oops\n"), 10);
    assertThat(tokens.find("pw_bob")).isEmpty();
    rewrite(f, file(entry("bob", "[operator]", "pw_bob")), 15);
    assertThat(tokens.find("pw_bob")).isPresent();

    // emptied: revoked
    rewrite(f, "", 20);
    assertThat(tokens.find("pw_bob")).isEmpty();

    // deleted: revoked, and back when the file is back
    rewrite(f, file(entry("bob", "[operator]", "pw_bob")), 25);
    assertThat(tokens.find("pw_bob")).isPresent();
    Files.delete(f);
    clock.advance(Duration.ofSeconds(3));
    assertThat(tokens.find("pw_bob")).isEmpty();
    Files.writeString(f, file(entry("bob", "[operator]", "pw_bob")));
    clock.advance(Duration.ofSeconds(3));
    assertThat(tokens.find("pw_bob")).isPresent();
  }

  /**
   * Writes {@code text} to the token file, stamped {@code secondsAhead} later (so the change is
   * seen whatever the file system's time resolution), and lets the recheck interval pass.
   */
  void rewrite(Path f, String text, int secondsAhead) throws Exception {
    Files.writeString(f, text);
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(secondsAhead)));
    clock.advance(Duration.ofSeconds(3));
  }

  @Test
  void aConfiguredFileThatIsMissingOrInvalidStopsTheStart() throws Exception {
    assertThatThrownBy(
            () ->
                new ApiTokens(
                        Optional.of(dir.resolve("none.yaml").toString()), dir.toString(), clock)
                    .start())
        .hasMessageContaining("does not exist");
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, file("  - name: x\n    roles: [god]\n    sha256: 00\n"));
    assertThatThrownBy(
            () -> new ApiTokens(Optional.of(bad.toString()), dir.toString(), clock).start())
        .hasMessageContaining("tokens[0].roles[0]");
  }
}
