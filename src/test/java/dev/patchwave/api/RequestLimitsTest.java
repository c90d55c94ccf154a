package dev.patchwave.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.testing.TestTokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, findings 5 and 6 and the 414 of finding 8: a body over the limit without a declared
 * length (chunked) and a URI over the limit get a problem+json answer, and the controller logs no
 * ERROR; a policy body that is not UTF-8 or holds a YAML tag is refused where it says so.
 */
@QuarkusTest
class RequestLimitsTest {

  @TestHTTPResource("/")
  URI base;

  final HttpClient http = HttpClient.newHttpClient();
  final List<LogRecord> errors = new CopyOnWriteArrayList<>();
  final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
            errors.add(r);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void listen() {
    Logger.getLogger("").addHandler(capture);
  }

  @AfterEach
  void stopListening() {
    Logger.getLogger("").removeHandler(capture);
  }

  @Test
  void aChunkedBodyOverTheLimitIsRefusedWithAProblemAndNoErrorLogged() throws Exception {
    byte[] three = new byte[3 << 20];
    java.util.Arrays.fill(three, (byte) 'a');
    for (String[] call :
        new String[][] {
          {"PUT", "api/v1/policies/too-large", "application/yaml"},
          {"POST", "api/v1/rollouts", "application/json"}
        }) {
      byte[] body =
          call[2].equals("application/json")
              ? ("{\"policy\": \"" + new String(three, 0, 3 << 20) + "\"}").getBytes()
              : three;
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(base.resolve(call[1]))
                  .header("Authorization", "Bearer " + TestTokens.ADMIN)
                  .header("Content-Type", call[2])
                  // an InputStream of unknown length: sent chunked, no Content-Length
                  .method(
                      call[0],
                      HttpRequest.BodyPublishers.ofInputStream(
                          () -> new ByteArrayInputStream(body)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).as(call[1]).isEqualTo(413);
      assertThat(r.headers().firstValue("Content-Type")).contains(ProblemDetail.MEDIA_TYPE);
      assertThat(r.body()).contains("payload-too-large", "at most 1048576 bytes");
    }
    assertThat(errors).extracting(LogRecord::getMessage).isEmpty();
  }

  @Test
  void aUriOverTheLimitIsRefusedWithAProblem() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(base.resolve("api/v1/policies/" + "a".repeat(20_000)))
                .header("Authorization", "Bearer " + TestTokens.ADMIN)
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(414);
    assertThat(r.headers().firstValue("Content-Type")).contains(ProblemDetail.MEDIA_TYPE);
    assertThat(r.body()).contains("uri-too-long", "4096");
    assertThat(errors).isEmpty();
  }

  @Test
  void aPolicyThatIsNotUtf8OrHoldsAYamlTagIsRefusedWhereItSaysSo() throws Exception {
    String policy =
        java.nio.file.Files.readString(java.nio.file.Path.of("policies/web-fleet.yaml"))
            .replace("name: web-fleet", "name: odd-bytes");
    byte[] latin1 =
        policy
            .replace("metadata:", "# caf\u00e9\nmetadata:")
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    byte[] tagged =
        policy
            .replace("name: odd-bytes", "name: !!java.lang.Runtime odd-bytes")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (byte[] body : List.of(latin1, tagged)) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(base.resolve("api/v1/policies/odd-bytes"))
                  .header("Authorization", "Bearer " + TestTokens.ADMIN)
                  .header("Content-Type", "application/yaml")
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
      assertThat(r.body()).containsAnyOf("not UTF-8", "YAML tags are not allowed");
      assertThat(r.body()).contains("\"line\":").doesNotContain("\"line\":0");
    }
    HttpResponse<String> stored =
        http.send(
            HttpRequest.newBuilder(base.resolve("api/v1/policies/odd-bytes"))
                .header("Authorization", "Bearer " + TestTokens.ADMIN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(stored.statusCode()).isEqualTo(404);
  }

  @Test
  void aNameThatDoesNotMatchThePathIsLocatedAtMetadataName() throws Exception {
    String policy =
        java.nio.file.Files.readString(java.nio.file.Path.of("policies/web-fleet.yaml"));
    int line = 1 + (int) policy.lines().takeWhile(l -> !l.startsWith("metadata:")).count();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(base.resolve("api/v1/policies/another-name"))
                .header("Authorization", "Bearer " + TestTokens.ADMIN)
                .header("Content-Type", "application/yaml")
                .PUT(HttpRequest.BodyPublishers.ofString(policy))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(r.body())
        .contains("\"path\":\"metadata.name\"")
        .containsPattern("\"line\":(" + line + "|" + (line + 1) + ")");
  }

  @Test
  void aRequestBodyWithAFieldItDoesNotKnowIsRefusedNamingIt() throws Exception {
    for (String[] call :
        new String[][] {
          {
            "api/v1/rollouts",
            "{\"policy\": \"no-such-policy\", \"onConflit\": \"skip\"}",
            "onConflit"
          },
          {
            "api/v1/quarantine",
            "{\"packageName\": \"Not A Name\", \"version\": \"1\", \"reason\": \"x\", \"force\": true}",
            "force"
          }
        }) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(base.resolve(call[0]))
                  .header("Authorization", "Bearer " + TestTokens.ADMIN)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(call[1]))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).as(call[0]).isEqualTo(400);
      assertThat(r.body()).contains("unknown field '" + call[2] + "'", "expected");
    }
  }
}
