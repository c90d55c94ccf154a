package dev.patchwave.api.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.testing.TestTokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (Debian's headless Chromium, driven by Selenium) against the
 * controller with the demo fleet: log in, start a rollout and watch its canary halt live (the page
 * is never reloaded), see the quarantine, approve a wave as a second person, a viewer offered no
 * button, a forged request refused; no page breaks its Content-Security-Policy or logs a script
 * error. Screenshots of every page go to {@code target/console-screenshots}.
 *
 * <p>Needs {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} ({@code apt-get install
 * chromium chromium-driver}; {@code .ci/run} installs them). Without them the test fails in CI and
 * is skipped, saying so, elsewhere.
 */
@QuarkusTest
@TestProfile(ConsoleBrowserTest.OwnController.class)
class ConsoleBrowserTest {

  /** Its own controller: the rollouts here halt and quarantine; no other test should see that. */
  public static class OwnController implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.datasource.jdbc.url", "jdbc:h2:mem:console;DB_CLOSE_DELAY=-1");
    }
  }

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SHOTS = Path.of("target/console-screenshots");

  static final String CANARY_POLICY =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: console-canary}
      spec:
        selector: {matchLabels: {role: kafka}}
        packages: {origin: security, include: ["linux-*"]}
        disruption: {groupBy: [kafka-cluster], maxUnavailablePerGroup: 1, maxUnavailable: 1}
        canary: {coverBy: [os-release, hardware]}
        waves:
          - {name: canary, size: 1}
          - {size: 50%}
          - {size: 100%}
        reboot: {when: ifRequired, trial: true, panicTimeout: 5s}
        health: {interval: 5s, timeout: 5s}
      """;

  static final String APPROVAL_POLICY =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: console-approval}
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

  static final java.util.regex.Pattern API_REFUSAL =
      java.util.regex.Pattern.compile(
          "/api/v1/\\S* - Failed to load resource: the server responded with a status of 4\\d\\d");

  static ChromeDriver driver;
  static Path profileDir;

  @TestHTTPResource("/")
  URL base;

  @BeforeAll
  static void browser() throws IOException {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      String why =
          "the browser test needs Debian's chromium and chromium-driver"
              + " (apt-get install -y chromium chromium-driver)";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(why + "; .ci/run installs them");
      }
      Assumptions.abort(why);
    }
    Files.createDirectories(SHOTS);
    profileDir = Files.createTempDirectory("patchwave-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1280,1000",
        "--user-data-dir=" + profileDir);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
  }

  @AfterAll
  static void close() {
    if (driver != null) {
      driver.quit();
    }
  }

  @BeforeEach
  void setUp() {
    TestTokens.actAsAdmin();
    RestAssured.config =
        RestAssured.config()
            .encoderConfig(
                EncoderConfig.encoderConfig()
                    .encodeContentTypeAs("application/yaml", ContentType.TEXT));
    driver.manage().window().setSize(new Dimension(1280, 1000));
  }

  @AfterEach
  void noScriptErrors() {
    // a Content-Security-Policy violation or a script error is logged as SEVERE
    List<LogEntry> severe =
        driver.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
            // an API refusal the test asks for (the forged request, a bad name) is logged by the
            // browser as a failed resource load
            .filter(e -> !API_REFUSAL.matcher(e.getMessage()).find())
            .toList();
    assertThat(severe).as("browser console errors").isEmpty();
  }

  @Test
  void anOperatorStartsARolloutAndWatchesItsCanaryHaltLive() throws IOException {
    put("console-canary", CANARY_POLICY);
    login(TestTokens.ADMIN, "admin");
    shot("rollouts-empty");

    open("/console/rollouts");
    new Select(driver.findElement(By.id("start-policy"))).selectByValue("console-canary");
    driver.findElement(By.id("start")).click();
    assertThat(confirm()).contains("Start a rollout of the policy console-canary");
    waitFor().until(ExpectedConditions.urlMatches(".*/console/rollouts/\\d+$"));
    long id = Long.parseLong(driver.getCurrentUrl().replaceAll(".*/", ""));

    // from here on the page is only changed by what the server pushes (Server-Sent Events)
    js("window.patchwaveSamePage = true;");
    waitFor(Duration.ofSeconds(90))
        .until(ExpectedConditions.textToBe(By.id("rollout-phase"), "HALTED"));
    assertThat(js("return window.patchwaveSamePage === true;")).isEqualTo(true);
    // the canary booted the bad kernel on trial and came back on its old one by itself
    assertThat(reasons())
        .contains("STARTED", "WAVE_STARTED", "TRIAL_BOOT", "KERNEL_FELL_BACK", "TOO_MANY_FAILURES");
    waitFor().until(d -> reasons().contains("QUARANTINED"));
    assertThat(driver.findElements(By.cssSelector(".cell[data-phase='FAILED']"))).hasSize(1);
    // a halted rollout offers nothing more to do
    assertThat(driver.findElements(By.cssSelector("#actions button"))).isEmpty();
    shot("rollout-halted");

    open("/console/quarantine");
    WebElement row =
        driver.findElement(
            By.cssSelector(
                "tr.active[data-package='linux-image-generic'][data-version='6.8.0-49.49']"));
    assertThat(row.findElement(By.cssSelector("a")).getAttribute("href"))
        .endsWith("/console/rollouts/" + id);
    shot("quarantine");

    // the halt's incident: its one suspect proven on a fresh host from the page (the host field
    // left empty is not sent: the controller picks), guilty, kept
    long incident =
        given()
            .get("/api/v1/quarantine/incidents")
            .jsonPath()
            .getLong("find { it.rolloutId == " + id + " }.id");
    WebElement card = driver.findElement(By.id("incident-" + incident));
    assertThat(card.getText()).contains("linux-image-generic=6.8.0-49.49").contains("SUSPECT");
    card.findElement(By.cssSelector("form.isolate button[type=submit]")).click();
    assertThat(confirm()).contains("Prove the suspects of incident " + incident);
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                given()
                    .get("/api/v1/quarantine/incidents/" + incident)
                    .jsonPath()
                    .getString("isolations[0].phase"),
            p -> p != null && !p.equals("RUNNING"));
    open("/console/quarantine");
    card = driver.findElement(By.id("incident-" + incident));
    assertThat(card.getText())
        .contains("CULPRIT")
        .contains("ISOLATED")
        .contains("culprit: linux-image-generic=6.8.0-49.49");
    assertThat(card.findElements(By.cssSelector("form.isolate"))).isEmpty();
    shot("quarantine-isolated");

    // the same rollout on a phone: one column, nothing wider than the screen
    driver.manage().window().setSize(new Dimension(390, 844));
    open("/console/rollouts/" + id);
    assertThat(js("return document.documentElement.scrollWidth <= window.innerWidth + 1;"))
        .isEqualTo(true);
    shot("rollout-phone");
  }

  @Test
  void aSecondPersonApprovesTheWaveTheOperatorStarted() throws IOException {
    put("console-approval", APPROVAL_POLICY);
    login(TestTokens.OPERATOR, "otto");
    open("/console/policies/console-approval");
    shot("policy");
    driver.findElement(By.id("start")).click();
    assertThat(confirm())
        .contains("Start a rollout of console-approval")
        .contains("3 selected hosts");
    waitFor().until(ExpectedConditions.urlMatches(".*/console/rollouts/\\d+$"));
    long id = Long.parseLong(driver.getCurrentUrl().replaceAll(".*/", ""));
    waitFor(Duration.ofSeconds(60))
        .until(ExpectedConditions.textToBe(By.id("rollout-phase"), "AWAITING_APPROVAL"));
    // the operator may not approve: no button for it
    assertThat(driver.findElements(By.id("approve"))).isEmpty();

    login(TestTokens.APPROVER, "anna");
    open("/console/rollouts/" + id);
    WebElement approve = waitFor().until(ExpectedConditions.elementToBeClickable(By.id("approve")));
    shot("rollout-awaiting-approval");
    approve.click();
    String question = confirm();
    assertThat(question)
        .contains("Approve wave 2 (rest) of rollout " + id)
        .contains("2 hosts")
        .containsPattern("groups zone=eu-1[abc], zone=eu-1[abc]");
    waitFor(Duration.ofSeconds(60))
        .until(ExpectedConditions.textToBe(By.id("rollout-phase"), "COMPLETED"));
    assertThat(reasons()).contains("AWAITING_APPROVAL", "APPROVED");
    assertThat(given().get("/api/v1/rollouts/" + id).jsonPath().getString("waves[1].approvedBy"))
        .isEqualTo("anna");
  }

  @Test
  void aViewerIsOfferedNoButtonThatChangesAnything() throws IOException {
    login(TestTokens.VIEWER, "vera");
    for (String page :
        List.of(
            "/console/rollouts",
            "/console/fleet",
            "/console/policies",
            "/console/policies/demo-brokers",
            "/console/quarantine",
            "/console/audit")) {
      open(page);
      assertThat(driver.findElements(By.cssSelector("[data-action]:not(#logout)")))
          .as(page)
          .isEmpty();
      // every field has a label (screen readers, and a tap target on a phone)
      assertThat(
              js(
                  "return [...document.querySelectorAll('input:not([type=hidden]), select')]"
                      + ".every(e => e.labels && e.labels.length > 0);"))
          .as(page)
          .isEqualTo(true);
      shot("viewer" + page.replace('/', '-'));
    }
  }

  @Test
  void aForgedRequestWithoutTheCsrfTokenIsRefused() {
    login(TestTokens.ADMIN, "admin");
    open("/console/quarantine");
    // the session cookie goes along (same site), the CSRF header does not
    Object answer =
        ((JavascriptExecutor) driver)
            .executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                    + "fetch('/api/v1/quarantine', {method: 'POST', credentials: 'same-origin',"
                    + " headers: {'Content-Type': 'application/json'},"
                    + " body: JSON.stringify({packageName: 'forged-pkg', version: '1.0-1',"
                    + " reason: 'forged'})})"
                    + ".then(r => r.json().then(j => done(r.status + ' ' + j.type)))"
                    + ".catch(e => done('error ' + e));");
    assertThat(answer).isEqualTo("403 https://patchwave.dev/problems/csrf");
    assertThat(given().get("/api/v1/quarantine").jsonPath().getList("packageName", String.class))
        .doesNotContain("forged-pkg");

    // the console's own form, with its token, is let through; refusals show the API's detail
    driver.findElement(By.id("q-package")).sendKeys("Not A Package");
    driver.findElement(By.id("q-version")).sendKeys("1.0");
    driver.findElement(By.id("q-reason")).sendKeys("typo");
    driver.findElement(By.cssSelector("#quarantine-form button[type=submit]")).click();
    confirm();
    WebElement problem =
        waitFor().until(ExpectedConditions.visibilityOfElementLocated(By.id("problem")));
    assertThat(problem.getText()).contains("400").containsIgnoringCase("package");
  }

  @Test
  void everyPageRendersForAnAdmin() throws IOException {
    driver.manage().deleteAllCookies();
    open("/console/login");
    assertThat(driver.findElement(By.cssSelector("label[for=token]")).getText())
        .isEqualTo("API token");
    shot("login");
    login(TestTokens.ADMIN, "admin");
    for (String page :
        List.of("/console/fleet", "/console/policies", "/console/audit", "/console/rollouts")) {
      open(page);
      assertThat(driver.findElement(By.tagName("h1")).getText()).isNotBlank();
      shot(page.substring("/console/".length()));
    }
    open("/console/audit?action=rollout.start");
    assertThat(driver.findElement(By.id("a-action")).getAttribute("value"))
        .isEqualTo("rollout.start");

    // a simulation next to the plan: the form's fields come back as the query
    open("/console/policies/demo-brokers");
    new Select(driver.findElement(By.id("w-fault"))).selectByValue("panicOnReboot");
    driver.findElement(By.id("w-on")).sendKeys("hardware=dell-r650");
    driver.findElement(By.id("w-runs")).clear();
    driver.findElement(By.id("w-runs")).sendKeys("2");
    driver.findElement(By.cssSelector("#whatif-form button[type=submit]")).click();
    WebElement table =
        waitFor(Duration.ofSeconds(60))
            .until(ExpectedConditions.visibilityOfElementLocated(By.id("whatif")));
    assertThat(table.findElements(By.cssSelector("tbody th")).stream().map(WebElement::getText))
        .contains("Patchwave (demo-brokers)", "unattended-upgrades");
    assertThat(driver.findElement(By.id("whatif-summary")).getText())
        .contains("2 runs")
        .contains("hardware=dell-r650");
    assertThat(
            js(
                "const i = document.getElementById('whatif-chart');"
                    + " return i.complete && i.naturalWidth > 0;"))
        .isEqualTo(true);
    shot("policy-whatif");
    open("/console/policies/demo-brokers?whatif=panicOnReboot&on=nolabel");
    assertThat(driver.findElement(By.id("whatif-refused")).getText()).contains("key=value");
  }

  // --- helpers

  private void login(String token, String name) {
    driver.manage().deleteAllCookies();
    open("/console/login");
    driver.findElement(By.id("token")).sendKeys(token);
    driver.findElement(By.id("login")).click();
    waitFor().until(ExpectedConditions.urlMatches(".*/console/rollouts$"));
    assertThat(driver.findElement(By.id("who")).getText()).startsWith(name);
  }

  private void open(String path) {
    driver.get(base.toString().replaceAll("/$", "") + path);
  }

  private static String confirm() {
    Alert alert = waitFor().until(ExpectedConditions.alertIsPresent());
    String text = alert.getText();
    alert.accept();
    return text;
  }

  private static List<String> reasons() {
    return driver.findElements(By.cssSelector("#timeline li")).stream()
        .map(li -> li.getAttribute("data-reason"))
        .toList();
  }

  private static Object js(String script) {
    return ((JavascriptExecutor) driver).executeScript(script);
  }

  private static WebDriverWait waitFor() {
    return waitFor(Duration.ofSeconds(20));
  }

  private static WebDriverWait waitFor(Duration timeout) {
    return new WebDriverWait(driver, timeout);
  }

  private static void shot(String name) throws IOException {
    File png = driver.getScreenshotAs(OutputType.FILE);
    Files.copy(png.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  private static void put(String name, String yaml) {
    given()
        .contentType("application/yaml")
        .body(yaml)
        .put("/api/v1/policies/" + name)
        .then()
        .log()
        .ifValidationFails()
        .statusCode(org.hamcrest.Matchers.oneOf(200, 201));
  }
}
