package dev.patchwave.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.doc.Problem;
import dev.patchwave.policy.RolloutPolicy.Approval;
import dev.patchwave.policy.RolloutPolicy.BuiltinCheck;
import dev.patchwave.policy.RolloutPolicy.PackageOrigin;
import dev.patchwave.policy.RolloutPolicy.PrometheusCheck;
import dev.patchwave.policy.RolloutPolicy.RebootMode;
import dev.patchwave.policy.RolloutPolicy.SshCheck;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyReaderTest {

  static final String MINIMAL =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: web}
      spec:
        selector: {matchLabels: {role: web}}
        waves:
          - {size: 100%}
      """;

  @Test
  void minimalPolicyGetsEveryDefault() throws DocumentException {
    RolloutPolicy p = PolicyReader.read(MINIMAL);

    assertThat(p.name()).isEqualTo("web");
    var s = p.spec();
    assertThat(s.packages().origin()).isEqualTo(PackageOrigin.SECURITY);
    assertThat(s.packages().include()).containsExactly("*");
    assertThat(s.reboot()).isEqualTo(RolloutPolicy.Reboot.of(RebootMode.IF_REQUIRED));
    assertThat(s.disruption().maxUnavailablePerGroup()).isEqualTo(1);
    assertThat(s.disruption().maxUnavailable()).isEqualTo(Amount.count(1));
    assertThat(s.waves())
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.name()).isEqualTo("wave-1");
              assertThat(w.soak()).isZero();
              assertThat(w.approval()).isEqualTo(Approval.AUTO);
            });
    assertThat(s.health().interval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.health().timeout()).isEqualTo(Duration.ofMinutes(15));
    assertThat(s.health().checks()).hasSize(4);
    assertThat(s.failure().maxFailedHosts()).isZero();
    assertThat(s.failure().quarantine()).isTrue();
    assertThat(s.windows()).isEmpty();
    assertThat(s.kubernetes().drain()).isFalse();
    assertThat(s.kubernetes().drainTimeout()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void fullPolicyIsReadField_by_field() throws DocumentException {
    RolloutPolicy p =
        PolicyReader.read(
            """
            apiVersion: patchwave.dev/v1
            kind: RolloutPolicy
            metadata: {name: kafka-brokers, labels: {team: streaming}}
            spec:
              selector:
                matchLabels: {role: kafka}
                matchExpressions:
                  - {key: zone, operator: NotIn, values: [z9]}
                  - {key: kafka-cluster, operator: Exists}
              packages: {origin: all, include: ["linux-*", openssl], exclude: ["postgresql-*"]}
              reboot: always
              disruption: {groupBy: [kafka-cluster, zone], maxUnavailablePerGroup: 1, maxUnavailable: 10%}
              canary: {coverBy: [os-release]}
              waves:
                - {name: canary, size: 1, soak: 2h}
                - {size: 10%, soak: 1h30m, approval: manual}
                - {size: 100%}
              health:
                interval: 10s
                timeout: 15m
                checks:
                  - builtin: expected-kernel
                  - ssh: {command: ["systemctl", "is-system-running"], expectExit: 0}
                  - prometheus: {query: 'sum(up{instance="${host.name}"})', min: 1}
                  - http: {url: "http://${host.address}:8080/health", expectStatus: 204}
              failure: {maxFailedHosts: 2, quarantine: false}
              windows:
                - {days: [Fri], start: "22:00", end: "02:00", timeZone: Europe/Berlin}
              blackouts:
                - {start: "2026-12-20", end: "2027-01-04", reason: freeze}
              kubernetes: {drain: true, drainTimeout: 20m, deleteEmptyDirData: true}
            """);

    var s = p.spec();
    assertThat(s.selector().matches(Map.of("role", "kafka", "zone", "z1", "kafka-cluster", "a")))
        .isTrue();
    assertThat(s.selector().matches(Map.of("role", "kafka", "zone", "z9", "kafka-cluster", "a")))
        .isFalse();
    assertThat(s.selector().matches(Map.of("role", "kafka", "zone", "z1"))).isFalse();
    assertThat(s.packages().selects("linux-image-generic")).isTrue();
    assertThat(s.packages().selects("postgresql-16")).isFalse();
    assertThat(s.packages().selects("curl")).isFalse();
    assertThat(s.reboot()).isEqualTo(RolloutPolicy.Reboot.of(RebootMode.ALWAYS));
    assertThat(s.disruption().maxUnavailable()).isEqualTo(Amount.percent(10));
    assertThat(s.waves().get(1).soak()).isEqualTo(Duration.ofMinutes(90));
    assertThat(s.waves().get(1).approval()).isEqualTo(Approval.MANUAL);
    assertThat(s.waves().get(1).name()).isEqualTo("wave-2");
    assertThat(s.health().checks()).hasSize(4);
    assertThat(s.health().checks().get(0).name()).isEqualTo("expected-kernel");
    assertThat(((RolloutPolicy.Builtin) s.health().checks().get(0)).check())
        .isEqualTo(BuiltinCheck.EXPECTED_KERNEL);
    assertThat(((SshCheck) s.health().checks().get(1)).argv())
        .containsExactly("systemctl", "is-system-running");
    assertThat(((PrometheusCheck) s.health().checks().get(2)).min()).contains(1.0);
    MaintenanceWindow w = s.windows().get(0);
    assertThat(w.days()).containsExactly(DayOfWeek.FRIDAY);
    assertThat(w.crossesMidnight()).isTrue();
    assertThat(w.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(s.blackouts().get(0).reason()).isEqualTo("freeze");
    assertThat(s.kubernetes().deleteEmptyDirData()).isTrue();
  }

  @Test
  void jsonIsAcceptedWithLinesAndColumns() {
    String json =
        """
        {
          "apiVersion": "patchwave.dev/v1",
          "kind": "RolloutPolicy",
          "metadata": {"name": "web"},
          "spec": {
            "selector": {},
            "waves": [{"size": "50%"}, {"size": "40%"}, {"size": "100%"}]
          }
        }
        """;
    assertThatThrownBy(() -> PolicyReader.read(json))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e -> {
              assertThat(e.problems()).hasSize(1);
              Problem p = e.problems().get(0);
              assertThat(p.path()).isEqualTo("spec.waves[1].size");
              assertThat(p.location().line()).isEqualTo(7);
              assertThat(p.message()).contains("must grow");
            });
  }

  @Test
  void nodeConditionChecksAreReadAndTheirMistakesReported() throws DocumentException {
    String good =
        MINIMAL
            + """
              health:
                checks:
                  - builtin: node-ready
                  - nodeCondition: {type: DiskPressure, status: "False"}
            """;
    var checks = PolicyReader.read(good).spec().health().checks();
    assertThat(checks)
        .containsExactly(
            new RolloutPolicy.Builtin("node-ready", RolloutPolicy.BuiltinCheck.NODE_READY),
            new RolloutPolicy.NodeConditionCheck("node-diskpressure", "DiskPressure", "False"));

    String bad =
        MINIMAL
            + """
              health:
                checks:
                  - nodeCondition: {type: disk pressure, status: maybe}
                  - nodeCondition: {type: Ready}
            """;
    assertThatThrownBy(() -> PolicyReader.read(bad))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e ->
                assertThat(e.problems())
                    .extracting(Problem::path)
                    .containsExactlyInAnyOrder(
                        "spec.health.checks[0].nodeCondition.type",
                        "spec.health.checks[0].nodeCondition.status",
                        "spec.health.checks[1].nodeCondition.status"));
  }

  @Test
  void rebootIsAWordOrAnObjectWithTheTrialBoot() throws DocumentException {
    assertThat(PolicyReader.read(MINIMAL).spec().reboot())
        .isEqualTo(
            new RolloutPolicy.Reboot(RebootMode.IF_REQUIRED, true, Duration.ofSeconds(30), false));
    assertThat(PolicyReader.read(MINIMAL + "  reboot: never\n").spec().reboot().when())
        .isEqualTo(RebootMode.NEVER);
    String object =
        MINIMAL
            + """
              reboot: {when: always, trial: false, panicTimeout: 1m, panicOnHang: true, powerCycles: 0}
            """;
    assertThat(PolicyReader.read(object).spec().reboot())
        .isEqualTo(
            new RolloutPolicy.Reboot(RebootMode.ALWAYS, false, Duration.ofMinutes(1), true, 0));
    assertThat(PolicyReader.read(MINIMAL + "  reboot: {panicOnHang: true}\n").spec().reboot())
        .isEqualTo(
            new RolloutPolicy.Reboot(RebootMode.IF_REQUIRED, true, Duration.ofSeconds(30), true));

    String bad =
        MINIMAL
            + """
              reboot: {when: sometimes, trail: true, panicTimeout: 2s, powerCycles: 5}
            """;
    assertThatThrownBy(() -> PolicyReader.read(bad))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e -> {
              assertThat(e.problems())
                  .extracting(Problem::path)
                  .containsExactlyInAnyOrder(
                      "spec.reboot.when",
                      "spec.reboot.trail",
                      "spec.reboot.panicTimeout",
                      "spec.reboot.powerCycles");
              assertThat(e.problems())
                  .allSatisfy(p -> assertThat(p.location().line()).isEqualTo(8));
              assertThat(e.problems())
                  .anySatisfy(p -> assertThat(p.message()).contains("did you mean 'trial'"))
                  .anySatisfy(p -> assertThat(p.message()).contains("from 5s to 10m, found 2s"));
            });
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    String yaml =
        """
        apiVersion: patchwave.dev/v2
        kind: RolloutPolicy
        metadata: {name: Bad_Name}
        spec:
          selector: {matchLabels: {role: web}}
          reboots: always
          disruption: {maxUnavailablePerGroup: 0}
          waves:
            - {size: 1, soak: 2 hours}
            - {size: 50%}
            - {size: 40%}
          windows:
            - {start: "25:00", end: "06:00", timeZone: Mars/Olympus}
        """;
    assertThatThrownBy(() -> PolicyReader.read(yaml))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e ->
                assertThat(e.problems())
                    .extracting(Problem::path)
                    .containsExactlyInAnyOrder(
                        "apiVersion",
                        "metadata.name",
                        "spec.reboots",
                        "spec.disruption.maxUnavailablePerGroup",
                        "spec.waves[0].soak",
                        "spec.waves[2].size",
                        "spec.waves[2].size",
                        "spec.windows[0].start",
                        "spec.windows[0].timeZone"));
  }

  @Test
  void unknownFieldNamesTheLineAndSuggestsTheFix() {
    String yaml = MINIMAL.replace("waves:", "wavez: []\n  waves:");
    assertThatThrownBy(() -> PolicyReader.read(yaml))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e -> {
              Problem p = e.problems().get(0);
              assertThat(p.path()).isEqualTo("spec.wavez");
              assertThat(p.location().line()).isEqualTo(6);
              assertThat(p.location().column()).isEqualTo(3);
              assertThat(p.message())
                  .contains("unknown field 'wavez'")
                  .contains("did you mean 'waves'");
            });
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          size zero                | {size: 0}                        | spec.waves[0].size     | expected an integer from 1
          size 0%                  | {size: 0%}                       | spec.waves[0].size     | from 1% to 100%
          size 150%                | {size: 150%}                     | spec.waves[0].size     | from 1% to 100%
          size words               | {size: half}                     | spec.waves[0].size     | a host count
          size decimal             | {size: 2.5}                      | spec.waves[0].size     | a host count
          soak unit                | {size: 1, soak: 5 min}           | spec.waves[0].soak     | expected a duration
          soak negative            | {size: 1, soak: -5m}             | spec.waves[0].soak     | expected a duration
          soak number              | {size: 1, soak: 30}              | spec.waves[0].soak     | expected a duration
          approval                 | {size: 1, approval: yes}         | spec.waves[0].approval | expected one of: auto, manual
          wave name                | {size: 1, name: Canary!}         | spec.waves[0].name     | is not a name
          100% not last            | {size: 100%}                     | spec.waves[0].size     | only the last wave
          unknown key in wave      | {size: 1, sise: 2}               | spec.waves[0].sise     | unknown field 'sise'
          """)
  void badWaveIsRejectedWithItsPath(String label, String wave, String path, String message) {
    String yaml = MINIMAL.replace("    - {size: 100%}", "    - " + wave + "\n    - {size: 100%}");
    assertThatThrownBy(() -> PolicyReader.read(yaml))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(
                        p -> {
                          assertThat(p.path()).isEqualTo(path);
                          assertThat(p.location().line()).isEqualTo(7);
                          assertThat(p.message()).contains(message);
                        }));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          last not 100%            | waves: [{size: 1}, {size: 50%}]                                     | spec.waves[1].size                         | must be 100%
          no waves                 | waves: []                                                           | spec.waves                                 | at least one wave
          selector missing         | selector: null                                                      | spec.selector                              | required field 'selector'
          operator                 | selector: {matchExpressions: [{key: a, operator: Like}]}            | spec.selector.matchExpressions[0].operator | In, NotIn, Exists, DoesNotExist
          In without values        | selector: {matchExpressions: [{key: a, operator: In}]}              | spec.selector.matchExpressions[0].values   | at least one value
          Exists with values       | selector: {matchExpressions: [{key: a, operator: Exists, values: [b]}]} | spec.selector.matchExpressions[0].values | takes no values
          label value              | selector: {matchLabels: {role: 'a b'}}                              | spec.selector.matchLabels.role             | is not a label value
          label key                | selector: {matchLabels: {'$(reboot)': a}}                           | spec.selector.matchLabels.$(reboot)        | is not a label key
          glob injection           | packages: {include: ['openssl;reboot']}                             | spec.packages.include[0]                   | package name or glob
          glob option              | packages: {include: ['--force-yes']}                                | spec.packages.include[0]                   | package name or glob
          origin                   | packages: {origin: updates}                                         | spec.packages.origin                       | security, all
          reboot                   | reboot: sometimes                                                   | spec.reboot                                | never, ifRequired, always
          duplicate groupBy        | disruption: {groupBy: [zone, zone]}                                 | spec.disruption.groupBy                    | duplicate label key
          maxUnavailable 0         | disruption: {maxUnavailable: 0}                                     | spec.disruption.maxUnavailable             | from 1 to
          interval too short       | health: {interval: 1s}                                              | spec.health.interval                       | at least 5s
          timeout below interval   | health: {interval: 1m, timeout: 30s}                                | spec.health.timeout                        | must not be shorter
          empty checks             | health: {checks: []}                                                | spec.health.checks                         | at least one check
          two kinds                | health: {checks: [{builtin: reachable, http: {url: 'http://x'}}]}   | spec.health.checks[0]                      | exactly one of
          builtin                  | health: {checks: [{builtin: pingable}]}                             | spec.health.checks[0].builtin              | reachable, boot-id-changed
          ssh empty                | health: {checks: [{ssh: {command: []}}]}                            | spec.health.checks[0].ssh.command          | must not be empty
          ssh string               | health: {checks: [{ssh: {command: 'rm -rf /'}}]}                    | spec.health.checks[0].ssh.command          | expected a list
          http scheme              | health: {checks: [{http: {url: 'file:///etc/passwd'}}]}             | spec.health.checks[0].http.url             | http:// or https://
          placeholder              | health: {checks: [{http: {url: 'http://${host.secret}/'}}]}         | spec.health.checks[0].http.url             | unknown placeholder
          ssh check and command    | health: {checks: [{ssh: {check: a, command: [x]}}]}                 | spec.health.checks[0].ssh                  | exactly one of check, command
          ssh args without check   | health: {checks: [{ssh: {command: [x], args: [y]}}]}                | spec.health.checks[0].ssh.args             | args go with check
          ssh check name           | health: {checks: [{ssh: {check: 'Rm -rf'}}]}                        | spec.health.checks[0].ssh.check            | is not a name
          http target and url      | health: {checks: [{http: {target: a, url: 'http://x'}}]}            | spec.health.checks[0].http                 | exactly one of target, url
          prometheus fragment      | health: {checks: [{prometheus: {query: up, min: 1, url: 'http://p/#'}}]} | spec.health.checks[0].prometheus.url  | without query or fragment
          prometheus query string  | health: {checks: [{prometheus: {query: up, min: 1, url: 'http://p/?a=b'}}]} | spec.health.checks[0].prometheus.url | without query or fragment
          prometheus both          | health: {checks: [{prometheus: {query: up, min: 1, url: 'http://p', datasource: main}}]} | spec.health.checks[0].prometheus | at most one of datasource, url
          prometheus bounds        | health: {checks: [{prometheus: {query: up}}]}                       | spec.health.checks[0].prometheus           | min, max or both
          min above max            | health: {checks: [{prometheus: {query: up, min: 2, max: 1}}]}       | spec.health.checks[0].prometheus.min       | larger than max
          maxFailedHosts           | failure: {maxFailedHosts: -1}                                       | spec.failure.maxFailedHosts                | from 0 to
          quarantine               | failure: {quarantine: maybe}                                        | spec.failure.quarantine                    | true or false
          window day               | windows: [{days: [Monday], start: '09:00', end: '10:00'}]           | spec.windows[0].days[0]                    | Mon, Tue
          window end equals start  | windows: [{start: '09:00', end: '09:00'}]                           | spec.windows[0].end                        | end equals start
          window unquoted time     | windows: [{start: 9, end: '10:00'}]                                 | spec.windows[0].start                      | expected a time
          window zone              | windows: [{start: '09:00', end: '10:00', timeZone: CEST}]           | spec.windows[0].timeZone                   | IANA time zone
          blackout order           | blackouts: [{start: '2027-01-02', end: '2027-01-01'}]               | spec.blackouts[0].end                      | before start
          blackout date            | blackouts: [{start: '2027-13-01', end: '2027-01-01'}]               | spec.blackouts[0].start                    | YYYY-MM-DD
          blackout far future      | blackouts: [{start: '2027-01-01', end: '+999999999-12-31'}]         | spec.blackouts[0].end                      | to 9999-12-31
          blackout before 1970     | blackouts: [{start: '1969-12-31', end: '2027-01-01'}]               | spec.blackouts[0].start                    | from 1970-01-01
          drainTimeout             | kubernetes: {drainTimeout: soon}                                    | spec.kubernetes.drainTimeout               | expected a duration
          trigger without schedule | trigger: {minPackageAge: 3d}                                        | spec.trigger.schedule                      | required
          trigger five fields      | trigger: {schedule: '0 3 * * *'}                                    | spec.trigger.schedule                      | expected 6 or 7 fields
          trigger both days        | trigger: {schedule: '0 0 3 * * MON'}                                | spec.trigger.schedule                      | exactly one of day-of-month
          trigger hour 24          | trigger: {schedule: '0 0 24 ? * *'}                                 | spec.trigger.schedule                      | hours field
          trigger zone             | trigger: {schedule: '0 0 3 ? * *', timeZone: CET}                   | spec.trigger.timeZone                      | IANA time zone
          trigger max below min    | trigger: {schedule: '0 0 3 ? * *', minPackageAge: 3d, maxPackageAge: 1d} | spec.trigger.maxPackageAge          | longer than minPackageAge
          trigger unknown field    | trigger: {schedule: '0 0 3 ? * *', cron: x}                         | spec.trigger.cron                          | unknown field
          adopt                    | adopt: sometimes                                                    | spec.adopt                                 | true or false
          """)
  void badSpecFieldIsRejectedWithItsPath(String label, String field, String path, String message) {
    String yaml =
        field.startsWith("waves:")
            ? MINIMAL.replace("  waves:\n    - {size: 100%}\n", "  " + field + "\n")
            : field.startsWith("selector:")
                ? MINIMAL.replace("  selector: {matchLabels: {role: web}}", "  " + field)
                : MINIMAL + "  " + field + "\n";
    assertThatThrownBy(() -> PolicyReader.read(yaml))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e ->
                assertThat(e.problems())
                    .as("problems of %s", label)
                    .anySatisfy(
                        p -> {
                          assertThat(p.path()).isEqualTo(path);
                          assertThat(p.location().line()).isPositive();
                          assertThat(p.message()).contains(message);
                        }));
  }

  @Test
  void aTriggerIsReadWithItsDefaults() throws DocumentException {
    RolloutPolicy p =
        PolicyReader.read(
            MINIMAL
                + "  adopt: true\n  trigger: {schedule: '0 0 3 ? * MON-FRI', timeZone: Europe/Berlin}\n");
    RolloutPolicy.Trigger t = p.spec().trigger().orElseThrow();
    assertThat(t.schedule()).isEqualTo("0 0 3 ? * MON-FRI");
    assertThat(t.timeZone()).isEqualTo(java.time.ZoneId.of("Europe/Berlin"));
    assertThat(t.minPackageAge()).isEqualTo(Duration.ofDays(3));
    assertThat(t.maxPackageAge()).isEmpty();
    assertThat(p.spec().minPackageAge()).isEqualTo(Duration.ofDays(3));
    assertThat(p.spec().adopt()).isTrue();
    RolloutPolicy plain = PolicyReader.read(MINIMAL);
    assertThat(plain.spec().trigger()).isEmpty();
    assertThat(plain.spec().minPackageAge()).isZero();
    assertThat(plain.spec().adopt()).isFalse();
  }

  @ParameterizedTest
  @CsvSource({"30s,30", "15m,900", "2h,7200", "1d,86400", "1h30m,5400", "0s,0"})
  void durationsParse(String text, long seconds) {
    assertThat(dev.patchwave.doc.Binder.parseDuration(text)).isEqualTo(Duration.ofSeconds(seconds));
    assertThat(dev.patchwave.doc.Binder.formatDuration(Duration.ofSeconds(seconds)))
        .isEqualTo(seconds == 5400 ? "1h30m" : text);
  }

  @Test
  void syntaxErrorsAndDuplicateKeysAreProblemsNotCrashes() {
    assertThatThrownBy(() -> PolicyReader.read("spec: [unclosed"))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e -> assertThat(e.problems().get(0).message()).startsWith("not valid YAML"));
    assertThatThrownBy(() -> PolicyReader.read(MINIMAL + "kind: RolloutPolicy\n"))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e -> assertThat(e.problems().get(0).message()).contains("duplicate key 'kind'"));
    assertThatThrownBy(() -> PolicyReader.read(MINIMAL + "---\n" + MINIMAL))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e -> assertThat(e.problems().get(0).message()).contains("only one document"));
    assertThatThrownBy(() -> PolicyReader.read("[".repeat(500)))
        .isInstanceOf(DocumentException.class);
    assertThatThrownBy(() -> PolicyReader.read("just a string"))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e -> assertThat(e.problems().get(0).message()).contains("expected an object"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          java class tag    | metadata: !!java.lang.Runtime {name: web}  | 3 | !!java.lang.Runtime
          local tag         | metadata: {name: !foo web}                 | 3 | !foo
          standard tag      | metadata: {name: !!str web}                | 3 | !!str
          """)
  void yamlTagsAreRefusedWhereTheyAre(String label, String line, int lineNo, String tag) {
    String yaml =
        "apiVersion: patchwave.dev/v1\nkind: RolloutPolicy\n"
            + line
            + "\nspec:\n  selector: {}\n  waves: [{size: 100%}]\n";

    assertThatThrownBy(() -> PolicyReader.read(yaml))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e ->
                assertThat(e.problems())
                    .singleElement()
                    .satisfies(
                        p -> {
                          assertThat(p.message()).contains("YAML tags are not allowed", tag);
                          assertThat(p.location().line()).isEqualTo(lineNo);
                        }));
  }

  @Test
  void bytesThatAreNotUtf8AreRefusedWhereTheyAre() {
    byte[] latin1 =
        "apiVersion: patchwave.dev/v1\nkind: RolloutPolicy\nmetadata: {name: caf\u00e9}\n"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    assertThatThrownBy(() -> dev.patchwave.doc.Utf8.decode(latin1))
        .isInstanceOfSatisfying(
            DocumentException.class,
            e ->
                assertThat(e.problems())
                    .singleElement()
                    .satisfies(
                        p -> {
                          assertThat(p.message()).contains("not UTF-8", "0xE9");
                          assertThat(p.location()).isEqualTo(new dev.patchwave.doc.Location(3, 21));
                        }));
  }
}
