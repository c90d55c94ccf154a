package dev.patchwave.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.patchwave.host.redfish.RedfishPower;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A small Redfish service over HTTPS, as a BMC serves it (the standard's URLs and payloads): the
 * service root, one computer system with its {@code ComputerSystem.Reset} action and allowed reset
 * types, HTTP Basic authentication. A reset it accepts runs {@code onReset} (an emulated host's
 * power button). Its certificate is self-signed, made by the JDK's keytool for 127.0.0.1.
 */
public final class RedfishServer implements AutoCloseable {

  /** A request the service answered. */
  public record Call(String method, String path, String authorization, String body) {}

  private final HttpsServer server;
  private final X509Certificate certificate;
  private final List<Call> calls = new ArrayList<>();
  private final String user;
  private final String password;
  private volatile List<String> allowed = List.of("On", "ForceOff", "ForceRestart", "PowerCycle");
  private volatile Runnable onReset = () -> {};

  public RedfishServer(Path dir, String user, String password) throws Exception {
    this.user = user;
    this.password = password;
    Path ks = dir.resolve("bmc.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "bmc",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=bmc.test",
                "-ext",
                "san=ip:127.0.0.1",
                "-validity",
                "2",
                "-keystore",
                ks.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
      throw new IllegalStateException(
          "keytool failed: " + new String(keytool.getInputStream().readAllBytes()));
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      store.load(in, "changeit".toCharArray());
    }
    certificate = (X509Certificate) store.getCertificate("bmc");
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/", this::handle);
    server.start();
  }

  public URI uri() {
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The SHA-256 of the certificate it serves, as {@code bmc.tlsPin} takes it. */
  public String pin() throws Exception {
    return RedfishPower.fingerprint(certificate);
  }

  /** The certificate in PEM, as a CA file would hold it. */
  public String pem() throws Exception {
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(certificate.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }

  public void onReset(Runnable r) {
    onReset = r;
  }

  public void allow(List<String> resetTypes) {
    allowed = List.copyOf(resetTypes);
  }

  public synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The reset requests it accepted. */
  public List<Call> resets() {
    return calls().stream().filter(c -> c.method().equals("POST")).toList();
  }

  private void handle(HttpExchange x) throws IOException {
    String path = x.getRequestURI().getPath();
    String auth = x.getRequestHeaders().getFirst("Authorization");
    String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    synchronized (this) {
      calls.add(new Call(x.getRequestMethod(), path, auth, body));
    }
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    if (!expected.equals(auth)) {
      answer(
          x,
          401,
          "{\"error\": {\"code\": \"Base.1.0.GeneralError\", \"message\": \"Unauthorized\"}}");
      return;
    }
    switch (x.getRequestMethod() + " " + path) {
      case "GET /redfish/v1/Systems" ->
          answer(
              x,
              200,
              "{\"@odata.id\": \"/redfish/v1/Systems\", \"Members@odata.count\": 1,"
                  + " \"Members\": [{\"@odata.id\": \"/redfish/v1/Systems/System.Embedded.1\"}]}");
      case "GET /redfish/v1/Systems/System.Embedded.1" ->
          answer(
              x,
              200,
              "{\"@odata.id\": \"/redfish/v1/Systems/System.Embedded.1\", \"PowerState\": \"On\","
                  + " \"Actions\": {\"#ComputerSystem.Reset\": {\"target\":"
                  + " \"/redfish/v1/Systems/System.Embedded.1/Actions/ComputerSystem.Reset\","
                  + " \"ResetType@Redfish.AllowableValues\": "
                  + allowed.stream().map(a -> "\"" + a + "\"").toList()
                  + "}}}");
      case "POST /redfish/v1/Systems/System.Embedded.1/Actions/ComputerSystem.Reset" -> {
        String type = body.replaceAll(".*\"ResetType\"\\s*:\\s*\"([A-Za-z]+)\".*", "$1").strip();
        if (!allowed.contains(type)) {
          answer(
              x,
              400,
              "{\"error\": {\"code\": \"Base.1.0.ActionParameterNotSupported\","
                  + " \"message\": \"ResetType "
                  + type
                  + " is not supported\"}}");
          return;
        }
        onReset.run();
        x.sendResponseHeaders(204, -1);
        x.close();
      }
      default -> answer(x, 404, "{\"error\": {\"message\": \"not found\"}}");
    }
  }

  private static void answer(HttpExchange x, int status, String json) throws IOException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json");
    x.sendResponseHeaders(status, b.length);
    x.getResponseBody().write(b);
    x.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
