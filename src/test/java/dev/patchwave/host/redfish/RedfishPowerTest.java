package dev.patchwave.host.redfish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.host.PowerControl;
import dev.patchwave.inventory.Host;
import dev.patchwave.testing.RedfishServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RedfishPower} against a Redfish service served over HTTPS by the test: the standard's URLs
 * and payloads, the certificate pinned or checked by a CA, HTTP Basic credentials from files.
 */
class RedfishPowerTest {

  static RedfishServer bmc;
  static Path dir;
  final AtomicInteger resets = new AtomicInteger();

  @BeforeAll
  static void serve(@TempDir Path tmp) throws Exception {
    dir = tmp;
    bmc = new RedfishServer(tmp, "patchwave", "s3cret-pw");
    Path creds = tmp.resolve("credentials/kafka-bmc");
    Files.createDirectories(creds);
    Files.writeString(creds.resolve("username"), "patchwave\n");
    Files.writeString(creds.resolve("password"), "s3cret-pw\n");
    Path wrong = tmp.resolve("credentials/wrong");
    Files.createDirectories(wrong);
    Files.writeString(wrong.resolve("username"), "patchwave");
    Files.writeString(wrong.resolve("password"), "guess");
    Files.writeString(tmp.resolve("ca.pem"), bmc.pem());
  }

  @AfterAll
  static void stop() {
    bmc.close();
  }

  @BeforeEach
  void count() {
    bmc.onReset(resets::incrementAndGet);
    bmc.allow(List.of("On", "ForceOff", "ForceRestart", "PowerCycle"));
  }

  static Host host(String credentials, Optional<String> pin, Optional<String> system) {
    return new Host(
        "kafka-a-1",
        "10.0.1.11",
        22,
        Host.Transport.SSH,
        Host.PackageFamily.APT,
        new TreeMap<>(Map.of()),
        Optional.empty(),
        Optional.empty(),
        Optional.of(new Host.Bmc(bmc.uri(), system, credentials, pin)));
  }

  static RedfishPower power(Optional<Path> ca) {
    return new RedfishPower(dir.resolve("credentials"), ca, Duration.ofSeconds(5));
  }

  @Test
  void aPinnedBmcIsForceRestartedWithTheCredentials() throws Exception {
    int before = bmc.resets().size();
    PowerControl.Outcome o =
        power(Optional.empty())
            .forceRestart(host("kafka-bmc", Optional.of(bmc.pin()), Optional.empty()));
    assertThat(o.done()).as(o.detail()).isTrue();
    assertThat(o.detail()).contains("ForceRestart of /redfish/v1/Systems/System.Embedded.1");
    assertThat(resets.get()).isEqualTo(1);
    RedfishServer.Call reset = bmc.resets().get(before);
    assertThat(reset.path())
        .isEqualTo("/redfish/v1/Systems/System.Embedded.1/Actions/ComputerSystem.Reset");
    assertThat(reset.body()).isEqualTo("{\"ResetType\": \"ForceRestart\"}");
    assertThat(reset.authorization()).isEqualTo("Basic cGF0Y2h3YXZlOnMzY3JldC1wdw==");
    // the password is never in what the controller reports
    assertThat(o.detail()).doesNotContain("s3cret");
  }

  @Test
  void aBmcCheckedByItsCaFileWorksToo() {
    PowerControl.Outcome o =
        power(Optional.of(dir.resolve("ca.pem")))
            .forceRestart(
                host(
                    "kafka-bmc",
                    Optional.empty(),
                    Optional.of("/redfish/v1/Systems/System.Embedded.1")));
    assertThat(o.done()).as(o.detail()).isTrue();
    assertThat(resets.get()).isEqualTo(1);
  }

  @Test
  void anotherCertificateIsRefusedBeforeAnythingIsSent() {
    int calls = bmc.calls().size();
    PowerControl.Outcome pinned =
        power(Optional.empty())
            .forceRestart(host("kafka-bmc", Optional.of("00".repeat(32)), Optional.empty()));
    assertThat(pinned.done()).isFalse();
    assertThat(pinned.detail()).contains("TLS", "not the pinned one");
    // without a pin or a CA the JVM's trust store does not know a self-signed BMC
    PowerControl.Outcome unknown =
        power(Optional.empty()).forceRestart(host("kafka-bmc", Optional.empty(), Optional.empty()));
    assertThat(unknown.done()).isFalse();
    assertThat(unknown.detail()).contains("TLS");
    assertThat(bmc.calls()).hasSize(calls);
    assertThat(resets.get()).isZero();
  }

  @Test
  void refusalsAreReportedAndNothingIsReset() throws Exception {
    PowerControl.Outcome wrong =
        power(Optional.empty())
            .forceRestart(host("wrong", Optional.of(bmc.pin()), Optional.empty()));
    assertThat(wrong.done()).isFalse();
    assertThat(wrong.detail()).contains("401", "Unauthorized").doesNotContain("guess");

    int calls = bmc.calls().size();
    PowerControl.Outcome missing =
        power(Optional.empty())
            .forceRestart(host("absent", Optional.of(bmc.pin()), Optional.empty()));
    assertThat(missing.detail()).contains("credentials 'absent' cannot be read");
    assertThat(bmc.calls()).hasSize(calls);

    bmc.allow(List.of("On", "ForceOff"));
    PowerControl.Outcome none =
        power(Optional.empty())
            .forceRestart(host("kafka-bmc", Optional.of(bmc.pin()), Optional.empty()));
    assertThat(none.detail()).contains("neither ForceRestart nor PowerCycle");
    assertThat(resets.get()).isZero();

    bmc.allow(List.of("On", "PowerCycle"));
    PowerControl.Outcome cycle =
        power(Optional.empty())
            .forceRestart(host("kafka-bmc", Optional.of(bmc.pin()), Optional.empty()));
    assertThat(cycle.done()).isTrue();
    assertThat(cycle.detail()).startsWith("PowerCycle");
    assertThat(resets.get()).isEqualTo(1);

    PowerControl.Outcome elsewhere =
        power(Optional.empty())
            .forceRestart(
                host("kafka-bmc", Optional.of(bmc.pin()), Optional.of("/redfish/v1/Systems/9")));
    assertThat(elsewhere.detail()).contains("404");
  }
}
