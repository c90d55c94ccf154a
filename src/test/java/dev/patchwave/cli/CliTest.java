package dev.patchwave.cli;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code patchwave} CLI against a running controller (this test's, with the demo fleet), run
 * in-process through its own entry point with its own environment: what it prints and the exit
 * codes scripts rely on (0 done, 1 error, 2 refused, 3 halted).
 */
@QuarkusTest
@TestProfile(CliTest.OwnController.class)
class CliTest {

  /** Its own controller: a rollout here halts and quarantines the demo kernel. */
  public static class OwnController implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.datasource.jdbc.url", "jdbc:h2:mem:cli;DB_CLOSE_DELAY=-1");
    }
  }

  static final String CANARY =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: cli-canary}
      spec:
        selector: {matchLabels: {role: kafka}}
        packages: {origin: security, include: ["linux-*"]}
        disruption: {groupBy: [kafka-cluster], maxUnavailablePerGroup: 1, maxUnavailable: 1}
        canary: {coverBy: [os-release, hardware]}
        waves:
          - {name: canary, size: 1}
          - {size: 100%}
        health: {interval: 5s, timeout: 5s}
      """;

  static final String APPROVAL =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: cli-approval}
      spec:
        selector: {matchLabels: {role: postgres}}
        packages: {origin: security, include: [openssl]}
        reboot: never
        disruption: {groupBy: [zone], maxUnavailablePerGroup: 1, maxUnavailable: 1}
        waves:
          - {name: canary, size: 1}
          - {name: rest, size: 100%, approval: manual}
        health: {interval: 5s, timeout: 5s}
      """;

  @TestHTTPResource("/")
  URL base;

  @TempDir Path dir;

  Map<String, String> env;

  /** What one run printed, and its exit code. */
  record Run(int code, String out, String err) {}

  @BeforeEach
  void environment() {
    TestTokens.actAsAdmin();
    env = new HashMap<>();
    env.put("PATCHWAVE_CONFIG", dir.resolve("config.yaml").toString());
  }

  Run runWithInput(String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            args,
            env,
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  Run run(String... args) {
    return runWithInput("", args);
  }

  /** As admin, through the environment. */
  Run admin(String... args) {
    env.put("PATCHWAVE_SERVER", server());
    env.put("PATCHWAVE_TOKEN", TestTokens.ADMIN);
    return run(args);
  }

  String server() {
    return base.toString().replaceAll("/$", "");
  }

  Path file(String name, String text) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  @Test
  void loginChecksTheTokenAndSavesAContextThatLaterCommandsUse() throws IOException {
    Run refused =
        runWithInput(
            "pw_not-a-token\n", "login", "--server", server(), "--token-stdin", "--name", "lab");
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err()).contains("401");
    assertThat(dir.resolve("config.yaml")).doesNotExist();

    Run ok =
        runWithInput(
            TestTokens.VIEWER + "\n",
            "login",
            "--server",
            server(),
            "--token-stdin",
            "--name",
            "lab");
    assertThat(ok.code()).as(ok.err()).isEqualTo(0);
    assertThat(ok.out()).contains("context 'lab'");
    assertThat(Files.getPosixFilePermissions(dir.resolve("config.yaml")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));

    // a second context whose token stays in a file
    Path tokenFile = file("admin-token", TestTokens.ADMIN + "\n");
    assertThat(
            run(
                    "login",
                    "--server",
                    server(),
                    "--token-from",
                    tokenFile.toString(),
                    "--name",
                    "ops")
                .code())
        .isEqualTo(0);
    assertThat(Files.readString(dir.resolve("config.yaml"))).doesNotContain(TestTokens.ADMIN);

    Run contexts = run("config", "get-contexts");
    assertThat(contexts.out()).containsPattern("\\*\\s+ops").contains("lab");
    assertThat(run("config", "use-context", "lab").code()).isEqualTo(0);
    assertThat(run("config", "current-context").out().strip()).isEqualTo("lab");

    // the viewer's context reads, and is refused a change
    Run policies = run("get", "policies");
    assertThat(policies.code()).isEqualTo(0);
    assertThat(policies.out()).startsWith("NAME").contains("demo-brokers");
    Run start = run("start", "demo-web");
    assertThat(start.code()).isEqualTo(2);
    assertThat(start.err()).contains("403");
    assertThat(run("--context", "ops", "get", "rollouts").code()).isEqualTo(0);
    assertThat(run("--context", "nope", "get", "rollouts").code()).isEqualTo(1);
  }

  @Test
  void getPrintsTablesJsonAndYaml() throws IOException {
    Run table = admin("get", "hosts");
    assertThat(table.code()).isEqualTo(0);
    assertThat(table.out().lines().findFirst().orElseThrow()).startsWith("NAME").contains("LABELS");
    assertThat(table.out()).contains("kafka-a-1").contains("role=kafka");

    Run json = admin("get", "policies", "-o", "json");
    JsonNode policies = Api.JSON.readTree(json.out());
    assertThat(policies.isArray()).isTrue();
    assertThat(policies.findValuesAsText("name")).contains("demo-brokers");

    Run yaml = admin("-o", "yaml", "get", "quarantine");
    assertThat(yaml.code()).isEqualTo(0);
    assertThat(Config.YAML.readTree(yaml.out()).isArray()).isTrue();

    for (String kind : new String[] {"rollouts", "updates", "audit"}) {
      Run r = admin("get", kind);
      assertThat(r.code()).as(kind + ": " + r.err()).isEqualTo(0);
    }
    Run unknown = admin("get", "widgets");
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err()).contains("widgets");
  }

  @Test
  void simulateShowsAPolicyFileNextToTheBaselinesAndWritesTheChart() throws IOException {
    Path policy = file("simulate.yaml", APPROVAL.replace("cli-approval", "cli-simulated"));
    Path chart = dir.resolve("what-if.svg");
    Run run =
        admin(
            "simulate",
            "-f",
            policy.toString(),
            "--fault",
            "panicOnReboot role=postgres p=1",
            "--runs",
            "2",
            "--chart",
            chart.toString());
    assertThat(run.code()).as(run.err()).isEqualTo(0);
    assertThat(run.out())
        .contains("Scenario: panic on reboot on {role=postgres}; policy cli-simulated, 3 hosts")
        .contains("STRATEGY")
        .contains("Patchwave (cli-simulated)")
        .contains("unattended-upgrades")
        .contains("SSM rate control");
    assertThat(Files.readString(chart)).startsWith("<svg");
    assertThat(given().get("/api/v1/policies/cli-simulated").statusCode()).isEqualTo(404);

    Run json = admin("-o", "json", "simulate", "-f", policy.toString(), "--no-baselines");
    assertThat(json.code()).as(json.err()).isEqualTo(0);
    assertThat(Api.JSON.readTree(json.out()).path("rows")).hasSize(1);

    Run wrong = admin("simulate", "-f", policy.toString(), "--fault", "explode role=postgres");
    assertThat(wrong.code()).isEqualTo(2);
    assertThat(wrong.err()).contains("scenario.faults[0].effect");
    Run usage = admin("simulate", "--fault", "panicOnReboot");
    assertThat(usage.code()).isEqualTo(1);

    // the plan of the file, and the simulation next to it
    Run planned =
        admin(
            "plan",
            "-f",
            policy.toString(),
            "--what-if",
            "panicOnReboot role=postgres",
            "--runs",
            "2");
    assertThat(planned.code()).as(planned.err()).isEqualTo(0);
    assertThat(planned.out())
        .contains("Policy cli-simulated: 3 hosts selected")
        .contains("WAVE")
        .contains(
            "Scenario: panic on reboot on {role=postgres}; policy cli-simulated, 3 hosts, 2 runs")
        .contains("Patchwave (cli-simulated)");
    assertThat(planned.out().indexOf("WAVE")).isLessThan(planned.out().indexOf("Scenario:"));
    Run plannedJson =
        admin(
            "-o",
            "json",
            "plan",
            "-f",
            policy.toString(),
            "--what-if",
            "panicOnReboot",
            "--runs",
            "1");
    assertThat(plannedJson.code()).as(plannedJson.err()).isEqualTo(0);
    JsonNode both = Api.JSON.readTree(plannedJson.out());
    assertThat(both.path("plan").path("selectedHosts").asInt()).isEqualTo(3);
    assertThat(both.path("whatIf").path("rows").size()).isGreaterThan(1);
  }

  @Test
  void planShowsTheWavesOfAFileWithoutStoringItAndLocatesItsProblems() throws IOException {
    Path good = file("plan-only.yaml", APPROVAL.replace("cli-approval", "cli-plan-only"));
    Run plan = admin("plan", "-f", good.toString(), "--hosts");
    assertThat(plan.code()).as(plan.err()).isEqualTo(0);
    assertThat(plan.out()).contains("3 hosts selected").contains("canary").contains("pg-");
    assertThat(given().get("/api/v1/policies/cli-plan-only").statusCode()).isEqualTo(404);

    Path bad = file("bad.yaml", APPROVAL.replace("size: 1}", "size: 1, soak: 10 minutes}"));
    Run refused = admin("plan", "-f", bad.toString());
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err())
        .contains("422")
        .contains("spec.waves[0].soak (line 10, column 37)")
        .contains("duration");
  }

  @Test
  void applyDiffAndApplyAgain() throws IOException {
    Path f = file("policy.yaml", APPROVAL.replace("cli-approval", "cli-diff"));
    Run before = admin("diff", "-f", f.toString());
    assertThat(before.out()).contains("does not exist yet");
    Run created = admin("apply", "-f", f.toString());
    assertThat(created.code()).as(created.err()).isEqualTo(0);
    assertThat(created.out()).contains("policy cli-diff created");
    assertThat(admin("diff", "-f", f.toString()).out()).contains("no differences");

    Files.writeString(
        f, APPROVAL.replace("cli-approval", "cli-diff").replace("timeout: 5s", "timeout: 10s"));
    Run diff = admin("diff", "-f", f.toString());
    assertThat(diff.out())
        .contains("-   health: {interval: 5s, timeout: 5s}")
        .contains("+   health: {interval: 5s, timeout: 10s}");
    Run updated = admin("apply", "-f", f.toString());
    assertThat(updated.out()).as(updated.err()).contains("policy cli-diff updated");
    given().delete("/api/v1/policies/cli-diff").then().statusCode(204);
  }

  @Test
  void watchFollowsARolloutToItsHaltAndExitsThree() throws IOException {
    admin("apply", "-f", file("canary.yaml", CANARY).toString());
    Run start = admin("start", "cli-canary");
    assertThat(start.code()).as(start.err()).isEqualTo(0);
    String id = start.out().strip();
    assertThat(id).matches("\\d+");

    Run watch = admin("watch", id, "--interval", "200ms", "--for", "90s");
    assertThat(watch.code()).as(watch.err()).isEqualTo(3);
    assertThat(watch.out())
        .contains("STARTED")
        .contains("TOO_MANY_FAILURES")
        .contains("Rollout " + id + " of cli-canary: HALTED")
        .containsPattern("1\\. canary\\s+\\[#*\\.*\\] \\d/\\d");
    Run describe = admin("describe", "rollout", id);
    assertThat(describe.code()).isEqualTo(3);
    assertThat(describe.out()).contains("Patch set: linux-image-generic=");

    Run quarantine = admin("quarantine", "list");
    assertThat(quarantine.out()).contains("linux-image-generic").contains("6.8.0-49.49");
    // the halt's incident: what the failed canary installed, each a suspect
    Run incidents = admin("quarantine", "incidents");
    assertThat(incidents.code()).as(incidents.err()).isEqualTo(0);
    assertThat(incidents.out())
        .contains("INCIDENT")
        .containsPattern(
            "\\d+\\s+" + id + "\\s+\\S+\\s+linux-image-generic=6\\.8\\.0-49\\.49\\s+SUSPECT");
    String incident =
        incidents
            .out()
            .lines()
            .filter(l -> l.split("\\s+").length > 1 && l.split("\\s+")[1].equals(id))
            .findFirst()
            .orElseThrow()
            .split("\\s+")[0];
    Run badStrategy = admin("quarantine", "isolate", incident, "--strategy", "bisect");
    assertThat(badStrategy.code()).isEqualTo(2);
    assertThat(badStrategy.err()).contains("strategy must be");
    Run noIsolation = admin("quarantine", "isolation", "999999");
    assertThat(noIsolation.code()).isEqualTo(2);
    assertThat(noIsolation.err()).contains("404");
    // a halted rollout cannot be resumed: refused
    Run resume = admin("resume", id);
    assertThat(resume.code()).isEqualTo(2);
    assertThat(resume.err()).contains("409");
  }

  @Test
  void aSecondPersonApprovesTheWaitingWave() throws IOException {
    admin("apply", "-f", file("approval.yaml", APPROVAL).toString());
    env.put("PATCHWAVE_SERVER", server());
    env.put("PATCHWAVE_TOKEN", TestTokens.OPERATOR);
    String id = run("start", "cli-approval").out().strip();
    Run waiting =
        run("watch", id, "--interval", "200ms", "--until", "AWAITING_APPROVAL", "--for", "60s");
    assertThat(waiting.code()).as(waiting.err()).isEqualTo(0);
    assertThat(waiting.out()).contains("AWAITING_APPROVAL");

    // the operator may not approve (no role), the approver may
    assertThat(run("approve", id).code()).isEqualTo(2);
    env.put("PATCHWAVE_TOKEN", TestTokens.APPROVER);
    Run approve = run("approve", id);
    assertThat(approve.code()).as(approve.err()).isEqualTo(0);
    // once approved it no longer waits: a second approval is refused
    Run again = run("approve", id, "--wave", "2");
    assertThat(again.code()).isEqualTo(2);
    assertThat(again.err()).contains("409");
    env.put("PATCHWAVE_TOKEN", TestTokens.ADMIN);
    assertThat(run("watch", id, "--interval", "200ms", "--for", "60s").code()).isEqualTo(0);
    assertThat(given().get("/api/v1/rollouts/" + id).jsonPath().getString("waves[1].approvedBy"))
        .isEqualTo("anna");
  }

  @Test
  void pauseResumeAbortAndQuarantineAddRelease() throws IOException {
    // a first wave that waits for an approver: the rollout stays open while it is steered
    String steer =
        APPROVAL
            .replace("cli-approval", "cli-steer")
            .replace("role: postgres", "role: web")
            .replace("{name: canary, size: 1}", "{name: canary, size: 1, approval: manual}");
    admin("apply", "-f", file("steer.yaml", steer).toString());
    String id = admin("start", "cli-steer").out().strip();
    Run pause = admin("pause", id);
    assertThat(pause.code()).as(pause.err()).isEqualTo(0);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> admin("get", "rollouts", "--phase", "PAUSED").out().contains("cli-steer"));
    assertThat(admin("pause", id).code()).isEqualTo(2); // already paused
    assertThat(admin("resume", id).code()).isEqualTo(0);
    Run abort = admin("abort", id);
    assertThat(abort.code()).isEqualTo(0);
    assertThat(abort.out()).contains("ABORTED");
    assertThat(admin("describe", "rollout", id).code()).isEqualTo(3);

    Run add = admin("quarantine", "add", "cli-probe", "1.0-1", "--reason", "test");
    assertThat(add.code()).as(add.err()).isEqualTo(0);
    String entry = add.out().replaceAll("(?s).*\\(id (\\d+)\\).*", "$1");
    assertThat(admin("quarantine", "add", "Bad Name", "1.0", "--reason", "x").code()).isEqualTo(2);
    assertThat(admin("quarantine", "release", entry).code()).isEqualTo(0);
    assertThat(admin("quarantine", "release", entry).code()).isEqualTo(2); // no longer active
  }

  @Test
  void errorsAreOneAndSayWhatToDo() throws IOException {
    Run noServer = run("get", "policies");
    assertThat(noServer.code()).isEqualTo(1);
    assertThat(noServer.err()).contains("--server").contains("patchwave login");

    env.put("PATCHWAVE_SERVER", "http://127.0.0.1:1");
    env.put("PATCHWAVE_TOKEN", TestTokens.ADMIN);
    Run down = run("get", "policies");
    assertThat(down.code()).isEqualTo(1);
    assertThat(down.err()).contains("cannot connect");

    assertThat(admin("plan", "-f", dir.resolve("missing.yaml").toString()).code()).isEqualTo(1);
    assertThat(admin("watch", "x").code()).isEqualTo(1); // not a number: usage
    assertThat(admin("describe", "rollout", "999999").code()).isEqualTo(2); // 404
  }

  @Test
  void completionAndHelp() {
    Run completion = run("completion");
    assertThat(completion.code()).isEqualTo(0);
    assertThat(completion.out()).contains("complete -F").contains("quarantine").contains("watch");
    Run help = run("--help");
    assertThat(help.code()).isEqualTo(0);
    assertThat(help.out()).contains("Exit codes:").contains("3").contains("halted");
  }
}
