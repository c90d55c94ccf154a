package dev.patchwave.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.testing.OpenIdProvider;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code patchwave login --oidc}: the OIDC device flow against an OpenID provider on loopback (the
 * first poll is pending, as while the person types the code), then the controller accepts the
 * access token; when it runs out, the CLI renews it with the refresh token by itself.
 */
@QuarkusTest
@TestProfile(CliOidcTest.WithOidc.class)
class CliOidcTest {

  public static class WithOidc implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.datasource.jdbc.url", "jdbc:h2:mem:cli-oidc;DB_CLOSE_DELAY=-1");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(OpenIdProvider.class));
    }
  }

  @TestHTTPResource("/")
  URL base;

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            args,
            Map.of("PATCHWAVE_CONFIG", dir.resolve("config.yaml").toString()),
            new ByteArrayInputStream(new byte[0]),
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @AfterEach
  void defaults() {
    OpenIdProvider.accessTtl = 300;
    OpenIdProvider.groups = List.of("operator", "viewer");
  }

  @Test
  void theDeviceFlowLogsInAndTheTokenIsRenewedWhenItRunsOut() throws Exception {
    OpenIdProvider.accessTtl = 2; // runs out between two commands
    OpenIdProvider.groups = List.of("viewer");
    String server = base.toString().replaceAll("/$", "");
    Run login = run("login", "--server", server, "--oidc", OpenIdProvider.issuer, "--name", "sso");
    assertThat(login.code()).as(login.err()).isEqualTo(0);
    assertThat(login.err()).contains("/device/verify").contains("WDJB-MJHT");
    String config = Files.readString(dir.resolve("config.yaml"));
    assertThat(config).contains("oidcIssuer").contains("refreshToken");

    assertThat(run("get", "policies").code()).isEqualTo(0);
    String before = Files.readString(dir.resolve("config.yaml"));
    Thread.sleep(2500);
    Run after = run("get", "policies");
    assertThat(after.code()).as(after.err()).isEqualTo(0);
    assertThat(Files.readString(dir.resolve("config.yaml"))).isNotEqualTo(before);
    // the person's role holds: a viewer may not start a rollout
    Run start = run("start", "demo-web");
    assertThat(start.code()).isEqualTo(2);
    assertThat(start.err()).contains("403");
    assertThat(run("config", "get-contexts").out()).contains("oidc " + OpenIdProvider.issuer);
  }
}
