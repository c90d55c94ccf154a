package dev.patchwave.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.doc.Problem;
import dev.patchwave.inventory.Host.FaultEffect;
import dev.patchwave.inventory.Host.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class InventoryReaderTest {

  @Test
  void readsSshAndSimulatedHosts() throws DocumentException {
    List<Host> hosts =
        InventoryReader.read(
            """
            apiVersion: patchwave.dev/v1
            kind: Inventory
            hosts:
              - name: kafka-a-1
                address: 10.0.1.11
                port: 2222
                transport: ssh
                labels: {role: kafka, kafka-cluster: a, zone: z1, os-release: "22.04"}
              - name: demo-web-1
                transport: simulated
                labels: {role: web}
                simulation:
                  installed: {linux-image-generic: 6.8.0-40.40}
                  available: {linux-image-generic: 6.8.0-41.41}
                  faults:
                    - {package: linux-image-generic, version: 6.8.0-41.41, effect: panic-on-reboot}
            """);

    assertThat(hosts).extracting(Host::name).containsExactly("demo-web-1", "kafka-a-1");
    Host kafka = hosts.get(1);
    assertThat(kafka.port()).isEqualTo(2222);
    assertThat(kafka.transport()).isEqualTo(Transport.SSH);
    assertThat(kafka.labels()).containsEntry("os-release", "22.04");
    assertThat(kafka.groups(List.of("kafka-cluster", "rack", "zone")))
        .containsExactly("kafka-cluster=a", "zone=z1");
    Host sim = hosts.get(0);
    assertThat(sim.simulation().orElseThrow().faults())
        .singleElement()
        .extracting(Host.Fault::effect)
        .isEqualTo(FaultEffect.PANIC_ON_REBOOT);
  }

  @Test
  void aBmcIsAnHttpsOriginWithNamedCredentialsAndAnOptionalPin() throws DocumentException {
    String pin = "AB:".repeat(31) + "AB";
    List<Host> hosts =
        InventoryReader.read(
            """
            apiVersion: patchwave.dev/v1
            kind: Inventory
            hosts:
              - name: kafka-a-1
                address: 10.0.1.11
                bmc: {redfish: "https://10.0.9.11:8443/", credentials: kafka-bmc, tlsPin: "%s"}
              - name: kafka-a-2
                address: 10.0.1.12
                bmc:
                  redfish: https://bmc-a-2.example
                  system: /redfish/v1/Systems/System.Embedded.1
                  credentials: kafka-bmc
              - name: kafka-a-3
                address: 10.0.1.13
            """
                .formatted(pin));
    Host.Bmc one = hosts.get(0).bmc().orElseThrow();
    assertThat(one.redfish()).hasToString("https://10.0.9.11:8443");
    assertThat(one.system()).isEmpty();
    assertThat(one.tlsPin()).contains("ab".repeat(32));
    Host.Bmc two = hosts.get(1).bmc().orElseThrow();
    assertThat(two.system()).contains("/redfish/v1/Systems/System.Embedded.1");
    assertThat(two.tlsPin()).isEmpty();
    assertThat(hosts.get(2).bmc()).isEmpty();

    String bad =
        """
        apiVersion: patchwave.dev/v1
        kind: Inventory
        hosts:
          - name: a
            address: 10.0.0.1
            bmc: {redfish: "http://10.0.9.1", credentials: x}
          - name: b
            address: 10.0.0.2
            bmc: {redfish: "https://root:calvin@10.0.9.2", credentials: "../etc", tlsPin: "sha1"}
          - name: c
            address: 10.0.0.3
            bmc: {redfish: "https://10.0.9.3/redfish/v1", system: "/redfish/v1/../Managers", user: root}
        """;
    assertThatThrownBy(() -> InventoryReader.read(bad))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e ->
                assertThat(e.problems())
                    .extracting(Problem::path)
                    .containsExactlyInAnyOrder(
                        "hosts[0].bmc.redfish",
                        "hosts[1].bmc.redfish",
                        "hosts[1].bmc.credentials",
                        "hosts[1].bmc.tlsPin",
                        "hosts[2].bmc.redfish",
                        "hosts[2].bmc.system",
                        "hosts[2].bmc.user",
                        "hosts[2].bmc.credentials"));
  }

  @Test
  void everyProblemIsReportedWithPathAndLine() {
    String yaml =
        """
        apiVersion: patchwave.dev/v1
        kind: Inventory
        hosts:
          - name: web-1
            transport: ssh
          - name: web-1
            address: 10.0.0.2
          - name: "web;reboot"
            address: "10.0.0.3 -oProxyCommand=x"
          - name: web-4
            address: 10.0.0.4
            port: 70000
            simulation: {}
          - name: web-5
            transport: simulated
            simulation:
              installed: {"openssl;rm": 1.0}
              faults: [{package: openssl, version: "$(id)", effect: explode}]
        """;
    assertThatThrownBy(() -> InventoryReader.read(yaml))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e -> {
              Map<String, Integer> lines =
                  e.problems().stream()
                      .collect(
                          Collectors.toMap(Problem::path, p -> p.location().line(), (a, b) -> a));
              assertThat(lines)
                  .containsEntry("hosts[0].address", 4)
                  .containsEntry("hosts[1].name", 6)
                  .containsEntry("hosts[2].name", 8)
                  .containsEntry("hosts[2].address", 9)
                  .containsEntry("hosts[3].port", 12)
                  .containsEntry("hosts[3].simulation", 13)
                  .containsEntry("hosts[4].simulation.installed.openssl;rm", 17)
                  .containsEntry("hosts[4].simulation.faults[0].version", 18)
                  .containsEntry("hosts[4].simulation.faults[0].effect", 18);
            });
  }

  @Test
  void factLabelsAreTheScansAlone() {
    String yaml =
        """
        apiVersion: patchwave.dev/v1
        kind: Inventory
        hosts:
          - name: web-1
            address: 10.0.0.1
            labels: {role: web, facts.patchwave.dev/hardware: dell-r640}
        """;
    assertThatThrownBy(() -> InventoryReader.read(yaml))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e ->
                assertThat(e.problems())
                    .singleElement()
                    .satisfies(
                        p -> {
                          assertThat(p.path())
                              .isEqualTo("hosts[0].labels.facts.patchwave.dev/hardware");
                          assertThat(p.location().line()).isEqualTo(6);
                          assertThat(p.message()).contains("reserved");
                        }));
  }

  @Test
  void bundledDemoFleetHasTheShapeTheDemoNeeds() throws IOException, DocumentException {
    String text;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("demo/fleet.yaml")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<Host> hosts = InventoryReader.read(text);

    assertThat(hosts).hasSizeBetween(20, 30).allMatch(h -> h.transport() == Transport.SIMULATED);
    Map<String, Long> brokersPerCluster =
        hosts.stream()
            .filter(h -> "kafka".equals(h.labels().get("role")))
            .collect(
                Collectors.groupingBy(h -> h.labels().get("kafka-cluster"), Collectors.counting()));
    assertThat(brokersPerCluster).containsEntry("a", 3L).containsEntry("b", 3L);
    assertThat(hosts.stream().map(h -> h.labels().get("os-release")).distinct())
        .containsExactlyInAnyOrder("22.04", "24.04");
    // the bad kernel panics exactly the 24.04 hosts on dell-r650 hardware, and no other
    assertThat(hosts)
        .filteredOn(h -> !h.simulation().orElseThrow().faults().isEmpty())
        .isNotEmpty()
        .allSatisfy(
            h -> {
              assertThat(h.labels())
                  .containsEntry("hardware", "dell-r650")
                  .containsEntry("os-release", "24.04");
              assertThat(h.simulation().orElseThrow().faults())
                  .singleElement()
                  .isEqualTo(
                      new Host.Fault(
                          "linux-image-generic", "6.8.0-49.49", FaultEffect.PANIC_ON_REBOOT));
            });
  }
}
