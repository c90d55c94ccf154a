package dev.patchwave.inventory;

import static dev.patchwave.doc.Binder.child;
import static dev.patchwave.doc.Binder.index;

import dev.patchwave.doc.Binder;
import dev.patchwave.doc.Binder.Fields;
import dev.patchwave.doc.DocumentException;
import dev.patchwave.doc.DocumentParser;
import dev.patchwave.doc.Node;
import dev.patchwave.inventory.Host.Fault;
import dev.patchwave.inventory.Host.FaultEffect;
import dev.patchwave.inventory.Host.Hardware;
import dev.patchwave.inventory.Host.PackageFamily;
import dev.patchwave.inventory.Host.Simulation;
import dev.patchwave.inventory.Host.Transport;
import dev.patchwave.patch.HostScan;
import dev.patchwave.patch.PackageGrammar;
import dev.patchwave.policy.Names;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads an inventory file ({@code apiVersion: patchwave.dev/v1, kind: Inventory}).
 *
 * <p>Contract: returns every host sorted by name, or throws a {@link DocumentException} listing
 * every problem (path, line, column, what was expected). Unknown fields are problems. Pure.
 */
public final class InventoryReader {

  public static final String KIND = "Inventory";

  public static final Map<String, Set<String>> FIELDS =
      Map.of(
          "", Set.of("apiVersion", "kind", "hosts"),
          "hosts[]",
              Set.of(
                  "name",
                  "address",
                  "port",
                  "transport",
                  "packageManager",
                  "labels",
                  "kubernetesNode",
                  "simulation",
                  "bmc"),
          "hosts[].bmc", Set.of("redfish", "system", "credentials", "tlsPin"),
          "hosts[].simulation",
              Set.of("installed", "available", "faults", "hardware", "unattendedUpgrades"),
          "hosts[].simulation.hardware", Set.of("vendor", "product"),
          "hosts[].simulation.faults[]", Set.of("package", "version", "effect"));

  /** An IPv4/IPv6 literal or a DNS name; nothing a command line could misread. */
  private static final Pattern ADDRESS =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})|\\[?[0-9A-Fa-f:.]{2,45}]?");

  private static final Pattern REDFISH_SYSTEM =
      Pattern.compile("/redfish/v1/Systems/[A-Za-z0-9._-]{1,64}");
  private static final Pattern CREDENTIALS = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DEB_NAME = Pattern.compile("[a-z0-9][a-z0-9+.-]{1,127}");
  private static final Pattern ANY_VERSION = Pattern.compile("[A-Za-z0-9.+~:_^-]{1,128}");
  private static final Map<String, Transport> TRANSPORTS =
      Binder.words(Transport.values(), t -> t.word);
  private static final Map<String, PackageFamily> FAMILIES =
      Binder.words(PackageFamily.values(), f -> f.word);
  private static final Map<String, FaultEffect> EFFECTS =
      Binder.words(FaultEffect.values(), e -> e.word);

  private InventoryReader() {}

  /** How large an inventory document may be: characters, and hosts. */
  public record Limits(int maxChars, int maxHosts) {
    public static final Limits DEFAULT = new Limits(64 << 20, 200_000);
  }

  public static List<Host> read(String text) throws DocumentException {
    return read(text, Limits.DEFAULT);
  }

  public static List<Host> read(String text, Limits limits) throws DocumentException {
    Node root = DocumentParser.parse(text, DocumentParser.Format.sniff(text), limits.maxChars());
    Binder b = new Binder();
    List<Host> hosts = new Run(b, limits.maxHosts()).inventory(root);
    b.throwIfProblems();
    return hosts;
  }

  private record Run(Binder b, int maxHosts) {

    List<Host> inventory(Node root) {
      Fields f = b.object(root, "", FIELDS.get(""));
      if (f == null) {
        return List.of();
      }
      String apiVersion = f.readRequired("apiVersion", b::string);
      if (apiVersion != null && !apiVersion.equals("patchwave.dev/v1")) {
        b.problem("apiVersion", f.get("apiVersion").location(), "expected 'patchwave.dev/v1'");
      }
      String kind = f.readRequired("kind", b::string);
      if (kind != null && !kind.equals(KIND)) {
        b.problem("kind", f.get("kind").location(), "expected '" + KIND + "'");
      }
      List<Node> items = f.readRequired("hosts", b::list);
      if (items == null) {
        return List.of();
      }
      if (items.size() > maxHosts) {
        b.problem(
            "hosts",
            f.get("hosts").location(),
            items.size()
                + " hosts; at most "
                + maxHosts
                + " per file (patchwave.inventory.max-hosts)");
        return List.of();
      }
      Map<String, String> seen = new LinkedHashMap<>();
      List<Host> hosts = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        String p = index("hosts", i);
        Host h = host(items.get(i), p);
        if (h == null) {
          continue;
        }
        String first = seen.putIfAbsent(h.name(), p);
        if (first != null) {
          b.problem(
              child(p, "name"),
              items.get(i).location(),
              "duplicate host name '" + h.name() + "' (first at " + first + ")");
          continue;
        }
        hosts.add(h);
      }
      hosts.sort(Comparator.comparing(Host::name));
      return hosts;
    }

    Host host(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("hosts[]"));
      if (f == null) {
        return null;
      }
      String name =
          f.readRequired("name", (v, p) -> b.matching(v, p, Names.HOST_NAME, Names.HOST_NAME_WHAT));
      Transport transport =
          f.read("transport", Transport.SSH, (v, p) -> b.choice(v, p, TRANSPORTS));
      String address =
          f.read("address", null, (v, p) -> b.matching(v, p, ADDRESS, "an IP address or DNS name"));
      if (transport == Transport.SSH && address == null && !f.has("address")) {
        b.problem(
            child(path, "address"),
            f.location(),
            "required field 'address' is missing (ssh hosts need one)");
      }
      int port = f.read("port", 22, (v, p) -> b.integer(v, p, 1, 65_535));
      PackageFamily pm =
          f.read("packageManager", PackageFamily.APT, (v, p) -> b.choice(v, p, FAMILIES));
      Map<String, String> labels =
          f.read(
              "labels",
              Map.of(),
              (v, p) ->
                  b.stringMap(
                      v,
                      p,
                      Names.LABEL_KEY,
                      Names.LABEL_KEY_WHAT,
                      Names.LABEL_VALUE,
                      Names.LABEL_VALUE_WHAT));
      if (labels != null) {
        for (String key : labels.keySet()) {
          if (key.startsWith(HostScan.FACTS_PREFIX)) {
            b.problem(
                child(child(path, "labels"), key),
                f.get("labels").location(),
                "label keys under '"
                    + HostScan.FACTS_PREFIX
                    + "' are reserved for what scans learn about a host");
          }
        }
      }
      Optional<String> node =
          Optional.ofNullable(
              f.read(
                  "kubernetesNode",
                  null,
                  (v, p) -> b.matching(v, p, Names.HOST_NAME, Names.HOST_NAME_WHAT)));
      Host.Bmc bmc = f.read("bmc", null, this::bmc);
      Simulation sim = f.read("simulation", null, this::simulation);
      if (transport == Transport.SIMULATED && sim == null && !f.has("simulation")) {
        sim = new Simulation(Map.of(), Map.of(), List.of());
      }
      if (transport == Transport.SSH && f.has("simulation")) {
        b.problem(
            child(path, "simulation"),
            f.get("simulation").location(),
            "simulation is only allowed with transport: simulated");
      }
      if (name == null) {
        return null;
      }
      return new Host(
          name,
          address == null ? name : address,
          port,
          transport,
          pm,
          new TreeMap<>(labels),
          node,
          Optional.ofNullable(sim),
          Optional.ofNullable(bmc));
    }

    Host.Bmc bmc(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("hosts[].bmc"));
      if (f == null) {
        return null;
      }
      java.net.URI redfish =
          f.readRequired(
              "redfish",
              (v, p) -> {
                String text = b.string(v, p);
                if (text == null) {
                  return null;
                }
                java.net.URI u;
                try {
                  u = new java.net.URI(text);
                } catch (java.net.URISyntaxException e) {
                  u = null;
                }
                if (u == null
                    || !"https".equals(u.getScheme())
                    || u.getHost() == null
                    || u.getRawUserInfo() != null
                    || !(u.getRawPath() == null
                        || u.getRawPath().isEmpty()
                        || u.getRawPath().equals("/"))
                    || u.getRawQuery() != null
                    || u.getRawFragment() != null) {
                  b.problem(
                      p,
                      v.location(),
                      "expected the BMC's https origin, such as https://10.0.9.11 or"
                          + " https://bmc-1.example:8443 (no path, no user), found '"
                          + Binder.abbreviate(text)
                          + "'");
                  return null;
                }
                return java.net.URI.create("https://" + u.getRawAuthority());
              });
      String system =
          f.read(
              "system",
              null,
              (v, p) ->
                  b.matching(
                      v, p, REDFISH_SYSTEM, "a Redfish system path such as /redfish/v1/Systems/1"));
      String credentials =
          f.readRequired(
              "credentials",
              (v, p) ->
                  b.matching(
                      v, p, CREDENTIALS, "a credentials name (lower-case letters, digits, '-')"));
      String pin =
          f.read(
              "tlsPin",
              null,
              (v, p) -> {
                String text = b.string(v, p);
                if (text == null) {
                  return null;
                }
                String hex = text.strip().replace(":", "").toLowerCase(java.util.Locale.ROOT);
                if (!hex.matches("[0-9a-f]{64}")) {
                  b.problem(
                      p,
                      v.location(),
                      "expected the SHA-256 of the BMC's certificate, 64 hex digits (colons"
                          + " allowed), found '"
                          + Binder.abbreviate(text)
                          + "'");
                  return null;
                }
                return hex;
              });
      if (redfish == null || credentials == null) {
        return null;
      }
      return new Host.Bmc(
          redfish, Optional.ofNullable(system), credentials, Optional.ofNullable(pin));
    }

    Simulation simulation(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("hosts[].simulation"));
      if (f == null) {
        return null;
      }
      Map<String, String> installed = f.read("installed", Map.of(), this::packages);
      Map<String, String> available = f.read("available", Map.of(), this::packages);
      List<Fault> faults = f.read("faults", List.of(), this::faults);
      Hardware hardware = f.read("hardware", null, this::hardware);
      boolean unattended = f.read("unattendedUpgrades", false, b::bool);
      return new Simulation(
          installed, available, faults, Optional.ofNullable(hardware), unattended);
    }

    Hardware hardware(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("hosts[].simulation.hardware"));
      if (f == null) {
        return null;
      }
      String vendor =
          f.readRequired("vendor", (v, p) -> b.matching(v, p, Names.ONE_LINE, Names.ONE_LINE_WHAT));
      String product =
          f.readRequired(
              "product", (v, p) -> b.matching(v, p, Names.ONE_LINE, Names.ONE_LINE_WHAT));
      return vendor == null || product == null ? null : new Hardware(vendor, product);
    }

    Map<String, String> packages(Node n, String path) {
      Map<String, String> m =
          b.stringMap(
              n,
              path,
              DEB_NAME,
              PackageGrammar.DEBIAN_NAME_WHAT,
              ANY_VERSION,
              PackageGrammar.DEBIAN_VERSION_WHAT);
      if (m == null) {
        return null;
      }
      m.forEach(
          (pkg, version) -> {
            if (!PackageGrammar.isDebianVersion(version)) {
              b.problem(
                  child(path, pkg),
                  n.location(),
                  "'"
                      + Binder.abbreviate(version)
                      + "' is not "
                      + PackageGrammar.DEBIAN_VERSION_WHAT);
            }
          });
      return m;
    }

    List<Fault> faults(Node n, String path) {
      List<Node> items = b.list(n, path);
      if (items == null) {
        return null;
      }
      List<Fault> out = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        String p = index(path, i);
        Fields f = b.object(items.get(i), p, FIELDS.get("hosts[].simulation.faults[]"));
        if (f == null) {
          continue;
        }
        String pkg =
            f.readRequired(
                "package", (v, q) -> b.matching(v, q, DEB_NAME, PackageGrammar.DEBIAN_NAME_WHAT));
        String version = f.readRequired("version", (v, q) -> version(v, q));
        FaultEffect effect = f.readRequired("effect", (v, q) -> b.choice(v, q, EFFECTS));
        if (pkg != null && version != null && effect != null) {
          out.add(new Fault(pkg, version, effect));
        }
      }
      return out;
    }

    String version(Node n, String path) {
      String v = b.string(n, path);
      if (v != null && !PackageGrammar.isDebianVersion(v)) {
        b.problem(
            path,
            n.location(),
            "'" + Binder.abbreviate(v) + "' is not " + PackageGrammar.DEBIAN_VERSION_WHAT);
        return null;
      }
      return v;
    }
  }
}
