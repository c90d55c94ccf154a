package dev.patchwave.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.doc.DocumentException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file shipped under policies/ is a valid policy whose name matches its purpose, and names
 * its checks from the bundled check catalogue (no inline command or URL).
 */
class ExamplePoliciesTest {

  static Stream<Path> policyFiles() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("policies"))) {
      return s.filter(p -> p.toString().matches(".*\\.(ya?ml|json)")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("policyFiles")
  void examplePolicyIsValid(Path file) throws IOException, DocumentException {
    RolloutPolicy p = PolicyReader.read(Files.readString(file));
    assertThat(p.spec().waves()).isNotEmpty();
    CheckCatalogue bundled =
        CheckCatalogueReader.read(
                Files.readString(Path.of("src/main/resources/checks/catalogue.yaml")))
            .withDefaultDatasource(java.util.Optional.of("http://prometheus:9090"));
    assertThat(bundled.check(p)).as(file + " within the bundled check catalogue").isEmpty();
  }

  @Test
  void theThreeExamplesTheReadmeNamesExist() throws IOException {
    List<String> names =
        policyFiles()
            .map(
                f -> {
                  try {
                    return PolicyReader.read(Files.readString(f)).name();
                  } catch (IOException | DocumentException e) {
                    throw new AssertionError(f + ": " + e.getMessage(), e);
                  }
                })
            .toList();
    assertThat(names).contains("kafka-brokers", "k8s-workers", "web-fleet");
  }

  @Test
  void kafkaExampleGatesTheSecondWaveAndLimitsEachCluster() throws Exception {
    RolloutPolicy p = PolicyReader.read(Files.readString(Path.of("policies/kafka-brokers.yaml")));
    assertThat(p.spec().disruption().groupBy()).containsExactly("kafka-cluster", "zone");
    assertThat(p.spec().disruption().maxUnavailablePerGroup()).isEqualTo(1);
    assertThat(p.spec().waves().get(1).approval()).isEqualTo(RolloutPolicy.Approval.MANUAL);
  }
}
