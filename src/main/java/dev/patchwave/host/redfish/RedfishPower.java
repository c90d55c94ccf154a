package dev.patchwave.host.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patchwave.host.PowerControl;
import dev.patchwave.inventory.Host;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Power-cycles a host through its BMC's Redfish service (DMTF DSP0266): finds the computer system
 * ({@code bmc.system}, or the only member of {@code /redfish/v1/Systems}), reads the reset action's
 * target and allowed reset types, and posts {@code {"ResetType": "ForceRestart"}} (or {@code
 * PowerCycle} where only that is allowed) to {@code ComputerSystem.Reset}.
 *
 * <p>HTTPS only. The BMC's certificate is checked against {@code bmc.tlsPin} (the SHA-256 of the
 * certificate it serves; BMCs mostly have self-signed ones), else against the CA file given, else
 * against the JVM's trust store, with the host name checked; nothing is ever trusted blindly. The
 * credentials are read from {@code <credentials-dir>/<bmc.credentials>/username} and {@code
 * password} (a Kubernetes Secret mounted there), sent as HTTP Basic, and never logged. Every URL
 * followed stays on the BMC's own origin under {@code /redfish/v1/}.
 */
public final class RedfishPower implements PowerControl {

  private static final Pattern PATH = Pattern.compile("/redfish/v1/[A-Za-z0-9._/-]{1,200}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path credentials;
  private final Optional<Path> caFile;
  private final Duration timeout;

  public RedfishPower(Path credentials, Optional<Path> caFile, Duration timeout) {
    this.credentials = credentials;
    this.caFile = caFile;
    this.timeout = timeout;
  }

  @Override
  public Outcome forceRestart(Host host) {
    Host.Bmc bmc = host.bmc().orElse(null);
    if (bmc == null) {
      return Outcome.notDone("no BMC is configured for " + host.name());
    }
    try {
      String auth = basic(bmc.credentials());
      HttpClient http =
          HttpClient.newBuilder()
              .sslContext(tls(bmc))
              .connectTimeout(timeout)
              .followRedirects(HttpClient.Redirect.NEVER)
              .build();
      String system = bmc.system().orElse(null);
      if (system == null) {
        JsonNode systems = get(http, bmc, auth, "/redfish/v1/Systems");
        List<String> members = new ArrayList<>();
        systems.path("Members").forEach(m -> members.add(m.path("@odata.id").asText()));
        if (members.size() != 1) {
          return Outcome.notDone(
              bmc.redfish()
                  + " has "
                  + members.size()
                  + " computer systems; name one with bmc.system");
        }
        system = members.get(0);
      }
      JsonNode sys = get(http, bmc, auth, checked(system));
      JsonNode reset = sys.path("Actions").path("#ComputerSystem.Reset");
      String target =
          reset.path("target").asText(checked(system) + "/Actions/ComputerSystem.Reset");
      List<String> allowed = new ArrayList<>();
      reset.path("ResetType@Redfish.AllowableValues").forEach(v -> allowed.add(v.asText()));
      String type =
          allowed.isEmpty() || allowed.contains("ForceRestart")
              ? "ForceRestart"
              : allowed.contains("PowerCycle") ? "PowerCycle" : null;
      if (type == null) {
        return Outcome.notDone(
            "the BMC allows neither ForceRestart nor PowerCycle (it allows " + allowed + ")");
      }
      HttpResponse<String> r =
          http.send(
              request(bmc, auth, checked(target))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"ResetType\": \"" + type + "\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2) {
        return Outcome.notDone(
            "ComputerSystem.Reset answered " + r.statusCode() + message(r.body()));
      }
      return Outcome.done(
          type
              + " of "
              + checked(system)
              + " through "
              + bmc.redfish()
              + " ("
              + r.statusCode()
              + ")");
    } catch (RedfishException e) {
      return Outcome.notDone(e.getMessage());
    } catch (javax.net.ssl.SSLException e) {
      return Outcome.notDone(
          "TLS with " + bmc.redfish() + " failed (" + e.getMessage() + "); nothing was sent");
    } catch (IOException e) {
      return Outcome.notDone(bmc.redfish() + " does not answer: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.notDone("interrupted");
    } catch (GeneralSecurityException e) {
      return Outcome.notDone("the TLS settings cannot be used: " + e.getMessage());
    }
  }

  private JsonNode get(HttpClient http, Host.Bmc bmc, String auth, String path)
      throws IOException, InterruptedException, RedfishException {
    HttpResponse<String> r =
        http.send(request(bmc, auth, path).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new RedfishException("GET " + path + " answered " + r.statusCode() + message(r.body()));
    }
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new RedfishException("GET " + path + " did not answer JSON");
    }
  }

  private HttpRequest.Builder request(Host.Bmc bmc, String auth, String path) {
    return HttpRequest.newBuilder(bmc.redfish().resolve(path))
        .timeout(timeout)
        .header("Authorization", auth)
        .header("Accept", "application/json")
        .header("OData-Version", "4.0");
  }

  /** A path the BMC gave us: only its own Redfish tree, never another origin. */
  private static String checked(String path) throws RedfishException {
    if (!PATH.matcher(path).matches() || path.contains("..")) {
      throw new RedfishException(
          "the BMC named a resource outside /redfish/v1/: " + abbreviate(path));
    }
    return path;
  }

  private String basic(String name) throws RedfishException {
    Path dir = credentials.resolve(name);
    try {
      String user = Files.readString(dir.resolve("username"), StandardCharsets.UTF_8).strip();
      String password = Files.readString(dir.resolve("password"), StandardCharsets.UTF_8).strip();
      if (user.isEmpty() || user.contains(":")) {
        throw new RedfishException(
            "the BMC user name in " + dir.resolve("username") + " is not usable");
      }
      return "Basic "
          + Base64.getEncoder()
              .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new RedfishException(
          "the BMC credentials '"
              + name
              + "' cannot be read from "
              + dir
              + " (username, password)");
    }
  }

  private SSLContext tls(Host.Bmc bmc) throws GeneralSecurityException, IOException {
    SSLContext ctx = SSLContext.getInstance("TLS");
    TrustManager[] trust;
    if (bmc.tlsPin().isPresent()) {
      trust = new TrustManager[] {new PinnedTrust(bmc.tlsPin().get())};
    } else {
      TrustManagerFactory f =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (caFile.isPresent()) {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (var in = Files.newInputStream(caFile.get())) {
          int i = 0;
          for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
            ks.setCertificateEntry("ca-" + i++, c);
          }
        }
        f.init(ks);
      } else {
        f.init((KeyStore) null);
      }
      trust = f.getTrustManagers();
    }
    ctx.init(null, trust, null);
    return ctx;
  }

  /** The SHA-256 of a certificate's DER encoding, as {@code bmc.tlsPin} writes it (hex). */
  public static String fingerprint(X509Certificate cert) throws CertificateException {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Trusts exactly the certificate whose SHA-256 is the pin (the BMC's own, self-signed). The pin
   * names the one certificate, so the host name it was issued for is not checked (BMCs' factory
   * certificates rarely name their address).
   */
  private static final class PinnedTrust extends javax.net.ssl.X509ExtendedTrustManager {
    private final String pin;

    PinnedTrust(String pin) {
      this.pin = pin;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      if (chain == null || chain.length == 0) {
        throw new CertificateException("the BMC sent no certificate");
      }
      String seen = fingerprint(chain[0]);
      if (!MessageDigest.isEqual(
          seen.getBytes(StandardCharsets.US_ASCII), pin.getBytes(StandardCharsets.US_ASCII))) {
        throw new CertificateException(
            "the BMC's certificate is not the pinned one (sha256 " + seen + ")");
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(
        X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
        throws CertificateException {
      throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(
        X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("not a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  private static String message(String body) {
    try {
      String m = JSON.readTree(body).path("error").path("message").asText("");
      return m.isEmpty() ? "" : ": " + abbreviate(m);
    } catch (IOException e) {
      return "";
    }
  }

  private static String abbreviate(String s) {
    String one = s.replaceAll("\\s+", " ");
    return one.length() <= 200 ? one : one.substring(0, 197) + "...";
  }

  private static final class RedfishException extends Exception {
    RedfishException(String message) {
      super(message);
    }
  }
}
