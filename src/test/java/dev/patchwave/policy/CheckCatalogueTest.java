package dev.patchwave.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.doc.DocumentParser;
import dev.patchwave.doc.Problem;
import dev.patchwave.policy.CheckCatalogue.Refusal;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Policies name their checks from the controller's catalogue (issue 11, finding 1 and 2). */
class CheckCatalogueTest {

  static final String CATALOGUE =
      """
      apiVersion: patchwave.dev/v1
      kind: CheckCatalogue
      ssh:
        - name: service-active
          command: [systemctl, is-active, --quiet]
          args: ['[a-z][a-z0-9@._-]{0,63}']
        - name: broker-id
          command: [kafka-broker-api-versions, --bootstrap-server, '${host.address}:9092']
          output: true
      http:
        - {name: web-health, url: 'http://${host.address}:8080/health'}
      prometheus:
        - {name: main, url: 'https://prometheus.example:9090/prom', bearerTokenFile: /run/token}
      """;

  static CheckCatalogue catalogue() throws DocumentException {
    return CheckCatalogueReader.read(CATALOGUE);
  }

  static RolloutPolicy policy(String check) throws DocumentException {
    return PolicyReader.read(
        """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata: {name: web}
        spec:
          selector: {matchLabels: {role: web}}
          waves: [{size: 1}, {size: 100%%}]
          health:
            checks:
              - builtin: reachable
              - %s
        """
            .formatted(check));
  }

  @Test
  void theCatalogueIsReadWithItsEntries() throws DocumentException {
    CheckCatalogue c = catalogue();

    assertThat(c.ssh()).containsOnlyKeys("service-active", "broker-id");
    assertThat(c.ssh().get("broker-id").command())
        .containsExactly("kafka-broker-api-versions", "--bootstrap-server", "${host.address}:9092");
    assertThat(c.ssh().get("broker-id").output()).isTrue();
    assertThat(c.ssh().get("service-active").output()).isFalse();
    assertThat(c.http().get("web-health").url()).isEqualTo("http://${host.address}:8080/health");
    assertThat(c.prometheus().get("main").bearerTokenFile()).contains("/run/token");
    assertThat(c.allowInline()).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          catalogued command     | ssh: {check: service-active, args: [kafka]}
          catalogued, no args    | ssh: {check: broker-id}
          catalogued target      | http: {target: web-health, expectStatus: 204}
          named datasource       | 'prometheus: {datasource: main, query: up, min: 1}'
          default datasource     | 'prometheus: {query: up, min: 1}'
          """)
  void aPolicyThatNamesCatalogueEntriesIsAccepted(String label, String check)
      throws DocumentException {
    assertThat(catalogue().check(policy(check))).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          inline command        | ssh: {command: [cat, /etc/shadow]}                         | spec.health.checks[1].ssh.command        | may not hold a command of its own
          inline URL            | http: {url: 'http://169.254.169.254/latest/meta-data/'}    | spec.health.checks[1].http.url           | may not hold a URL of its own
          inline Prometheus     | 'prometheus: {url: ''http://127.0.0.1:8080'', query: up, min: 1}' | spec.health.checks[1].prometheus.url | may not hold a URL of its own
          unknown command       | ssh: {check: rm-rf}                                        | spec.health.checks[1].ssh.check          | unknown SSH check 'rm-rf'; the check catalogue has broker-id, service-active
          unknown target        | http: {target: metadata}                                   | spec.health.checks[1].http.target        | unknown HTTP target 'metadata'
          unknown datasource    | 'prometheus: {datasource: other, query: up, min: 1}'       | spec.health.checks[1].prometheus         | unknown Prometheus datasource 'other'
          argument count        | ssh: {check: service-active}                               | spec.health.checks[1].ssh.args           | takes 1 argument(s), found 0
          extra argument        | ssh: {check: broker-id, args: [--command-config]}          | spec.health.checks[1].ssh.args           | takes 0 argument(s), found 1
          argument pattern      | ssh: {check: service-active, args: ['--root=/']}           | spec.health.checks[1].ssh.args[0]        | is not an argument SSH check 'service-active' takes here
          """)
  void aPolicyOutsideTheCatalogueIsRefusedAtThePathThatLeavesIt(
      String label, String check, String path, String message) throws DocumentException {
    List<Refusal> refused = catalogue().check(policy(check));

    assertThat(refused)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.path()).isEqualTo(path);
              assertThat(r.message()).contains(message);
            });
  }

  @Test
  void inlineChecksPassOnlyWhenTheControllerAllowsThem() throws DocumentException {
    RolloutPolicy inline = policy("ssh: {command: [systemctl, is-system-running]}");

    assertThat(catalogue().check(inline)).hasSize(1);
    assertThat(catalogue().allowingInline(true).check(inline)).isEmpty();
    assertThat(CheckCatalogue.EMPTY.check(inline).get(0).message())
        .contains(CheckCatalogue.ALLOW_INLINE + "=true");
  }

  @Test
  void aRefusalIsLocatedInThePolicyDocument() throws DocumentException {
    String text =
        """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata: {name: web}
        spec:
          selector: {matchLabels: {role: web}}
          waves: [{size: 1}, {size: 100%}]
          health:
            checks:
              - builtin: reachable
              - ssh:
                  command: [cat, /etc/shadow]
        """;
    RolloutPolicy p = PolicyReader.read(text);

    List<Problem> problems =
        CheckCatalogue.problems(
            catalogue().check(p), DocumentParser.parse(text, DocumentParser.Format.YAML));

    assertThat(problems)
        .singleElement()
        .satisfies(pr -> assertThat(pr.location().line()).isEqualTo(11));
  }

  @Test
  void patchwavePrometheusUrlIsTheDefaultDatasourceUnlessTheCatalogueNamesOne()
      throws DocumentException {
    CheckCatalogue c = catalogue().withDefaultDatasource(Optional.of("http://prom:9090"));

    assertThat(c.prometheus().get(CheckCatalogue.DEFAULT_DATASOURCE).url())
        .isEqualTo("http://prom:9090");
    CheckCatalogue named =
        new CheckCatalogue(
                c.ssh(),
                c.http(),
                java.util.Map.of(
                    "default",
                    new CheckCatalogue.Datasource(
                        "default", "http://mine:9090", Optional.empty(), Optional.empty())),
                false)
            .withDefaultDatasource(Optional.of("http://prom:9090"));
    assertThat(named.prometheus().get("default").url()).isEqualTo("http://mine:9090");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          empty command      | 'ssh: [{name: a, command: []}]'                                | ssh[0].command              | must not be empty
          bad pattern        | 'ssh: [{name: a, command: [x], args: [''(unclosed'']}]'        | ssh[0].args[0]              | not a regular expression
          placeholder        | 'ssh: [{name: a, command: [''${host.password}'']}]'           | ssh[0].command[0]           | unknown placeholder
          duplicate          | 'ssh: [{name: a, command: [x]}, {name: a, command: [y]}]'      | ssh[1].name                 | duplicate ssh entry 'a'
          unknown field      | 'ssh: [{name: a, command: [x], shell: true}]'                  | ssh[0].shell                | unknown field
          file URL           | 'http: [{name: a, url: ''file:///etc/passwd''}]'               | http[0].url                 | http:// or https://
          datasource query   | 'prometheus: [{name: a, url: ''http://p:9090/x?y=1''}]'        | prometheus[0].url           | without query or fragment
          datasource hash    | 'prometheus: [{name: a, url: ''http://p:9090/#''}]'            | prometheus[0].url           | without query or fragment
          user info          | 'prometheus: [{name: a, url: ''http://u:pw@p:9090''}]'         | prometheus[0].url           | no user info
          relative token     | 'prometheus: [{name: a, url: ''http://p:9090'', bearerTokenFile: token}]' | prometheus[0].bearerTokenFile | absolute file path
          """)
  void aBadCatalogueIsRefusedWithTheLocatedProblem(
      String label, String body, String path, String message) {
    String text = "apiVersion: patchwave.dev/v1\nkind: CheckCatalogue\n" + body + "\n";

    assertThatThrownBy(() -> CheckCatalogueReader.read(text))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(
                        p -> {
                          assertThat(p.path()).isEqualTo(path);
                          assertThat(p.message()).contains(message);
                          assertThat(p.location().line()).isEqualTo(3);
                        }));
  }
}
