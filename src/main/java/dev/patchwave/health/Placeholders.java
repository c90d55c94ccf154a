package dev.patchwave.health;

import dev.patchwave.inventory.Host;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Fills {@code ${host.name}} and {@code ${host.address}} into URLs and queries. */
final class Placeholders {
  private Placeholders() {}

  static String expand(String template, Host host, boolean forUrl) {
    String name = host.name();
    String address =
        host.address().contains(":") && forUrl ? "[" + host.address() + "]" : host.address();
    return template.replace("${host.name}", name).replace("${host.address}", address);
  }

  static String query(String promql) {
    return URLEncoder.encode(promql, StandardCharsets.UTF_8);
  }
}
