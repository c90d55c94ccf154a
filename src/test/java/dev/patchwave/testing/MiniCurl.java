package dev.patchwave.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of curl the README's quick start uses ({@code -s}, {@code -X}, {@code -H}, {@code -d}, a
 * URL), for machines that have a JDK but no curl: {@code QuickStartTest} puts it on the PATH as
 * {@code curl} only when there is none. Prints the response body; exits 0 like curl without -f.
 */
public final class MiniCurl {

  private MiniCurl() {}

  public static void main(String[] args) throws Exception {
    String method = null;
    String data = null;
    String url = null;
    List<String[]> headers = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "-s", "-sf", "-f" -> {}
        case "-X" -> method = args[++i];
        case "-H" -> {
          String h = args[++i];
          int colon = h.indexOf(':');
          headers.add(new String[] {h.substring(0, colon).trim(), h.substring(colon + 1).trim()});
        }
        case "-d" -> data = args[++i];
        default -> {
          if (args[i].startsWith("-")) {
            System.err.println("MiniCurl: unsupported option " + args[i]);
            System.exit(2);
          }
          url = args[i];
        }
      }
    }
    if (method == null) {
      method = data == null ? "GET" : "POST";
    }
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(url))
            .method(
                method,
                data == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(data, StandardCharsets.UTF_8));
    if (data != null) {
      req.header("Content-Type", "application/x-www-form-urlencoded");
    }
    for (String[] h : headers) {
      req.setHeader(h[0], h[1]);
    }
    try {
      HttpResponse<byte[]> r =
          HttpClient.newHttpClient().send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
      System.out.write(r.body());
      System.out.flush();
    } catch (java.io.IOException e) {
      System.exit(7); // curl's "failed to connect"
    }
  }
}
