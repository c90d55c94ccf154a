package dev.patchwave;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's quick start, as written, with bash and curl against a controller on its first
 * start (no token file configured: it creates the admin token), the example policies and the
 * bundled demo fleet. If the README's commands stop working, this test fails.
 */
@QuarkusTest
@TestProfile(QuickStartTest.FirstStart.class)
class QuickStartTest {

  static Path home;

  /** A fresh working directory whose data/ is the controller's data directory. */
  public static class Home implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
      try {
        home = Files.createTempDirectory("patchwave-quick-start");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return Map.of("patchwave.data-dir", home.resolve("data").toString());
    }

    @Override
    public void stop() {}
  }

  public static class FirstStart implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "quarkus.datasource.jdbc.url", "jdbc:h2:mem:quick-start;DB_CLOSE_DELAY=-1",
          "patchwave.auth.tokens-file", "");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(Home.class));
    }
  }

  @Test
  void theReadmeQuickStartRunsAsWritten() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int marker = readme.indexOf("<!-- quick-start");
    assertThat(marker).as("the quick-start marker in README.md").isPositive();
    int start = readme.indexOf("```sh\n", marker) + "```sh\n".length();
    String script = readme.substring(start, readme.indexOf("```\n", start));
    assertThat(script).contains("PW=http://localhost:8080");
    script = script.replace("http://localhost:8080", "http://localhost:" + RestAssured.port);

    Path admin = home.resolve("data/admin-token");
    assertThat(Files.getPosixFilePermissions(admin))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    Path log = home.resolve("quick-start.log");
    ProcessBuilder pb =
        new ProcessBuilder("bash", "-e", "-c", script)
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    if (!onPath("curl")) {
      // a machine with only a JDK: stand in for curl with the few options the README uses
      Path bin = Files.createDirectories(home.resolve("bin"));
      Path curl = bin.resolve("curl");
      Files.writeString(
          curl,
          "#!/bin/sh\nexec '"
              + ProcessHandle.current().info().command().orElse("java")
              + "' -cp '"
              + System.getProperty("java.class.path")
              + "' dev.patchwave.testing.MiniCurl \"$@\"\n");
      curl.toFile().setExecutable(true);
      pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    }
    Process bash = pb.start();
    boolean finished = bash.waitFor(240, TimeUnit.SECONDS);
    if (!finished) {
      bash.destroyForcibly();
    }
    String output = Files.readString(log);
    assertThat(finished).as("the quick start finished; its output:%n%s", output).isTrue();
    assertThat(bash.exitValue()).as("exit status; output:%n%s", output).isZero();

    String token = Files.readString(admin).trim();
    JsonPath first = api(token, "/api/v1/rollouts/1");
    assertThat(first.getString("phase")).isEqualTo("HALTED");
    assertThat(first.getMap("hosts")).containsEntry("FAILED", 1);
    JsonPath failed = api(token, "/api/v1/rollouts/1/hosts?phase=FAILED");
    assertThat(failed.getList("name")).containsExactly("kafka-a-1");
    // the canary came back on its old kernel by itself: nobody power-cycled it
    assertThat(failed.getList("reason")).containsExactly("KERNEL_FELL_BACK");
    assertThat(api(token, "/api/v1/audit?action=simulation.powerCycle").getList("actor")).isEmpty();
    assertThat(api(token, "/api/v1/quarantine").getList("version")).contains("6.8.0-49.49");

    JsonPath second = api(token, "/api/v1/rollouts/2");
    assertThat(second.getString("phase")).isEqualTo("COMPLETED");
    assertThat(second.getList("patchSet.version"))
        .contains("6.8.0-49.50")
        .doesNotContain("6.8.0-49.49");
    assertThat(second.getString("waves[1].approvedBy")).isEqualTo("alice");
    assertThat(api(token, "/api/v1/audit?action=rollout.approve").getList("actor"))
        .containsExactly("alice");
    // the output the user saw holds no token
    assertThat(output).doesNotContain(token);
  }

  static boolean onPath(String command) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
        return true;
      }
    }
    return false;
  }

  static JsonPath api(String token, String path) {
    return given().auth().oauth2(token).get(path).then().statusCode(200).extract().jsonPath();
  }
}
