package dev.patchwave.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CLI's contexts, like kubectl's: each names a controller and where its token comes from (an
 * environment variable, a file, or the token itself, kept in this file with mode 0600). Read from
 * {@code $PATCHWAVE_CONFIG}, else {@code $XDG_CONFIG_HOME/patchwave/config.yaml}, else {@code
 * ~/.config/patchwave/config.yaml}.
 */
final class Config {

  static final ObjectMapper YAML =
      YAMLMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  /**
   * One controller and its credentials: a token from an environment variable, a file, or kept here;
   * or an OIDC login (device flow), whose access token is kept here with its expiry and is renewed
   * with the refresh token when it runs out.
   */
  record Context(
      String name,
      String server,
      String tokenEnv,
      String tokenFile,
      String token,
      String oidcIssuer,
      String oidcClientId,
      String refreshToken,
      Long tokenExpiresAt) {

    Context(String name, String server, String tokenEnv, String tokenFile, String token) {
      this(name, server, tokenEnv, tokenFile, token, null, null, null, null);
    }
  }

  /** The file as stored. */
  record Document(String currentContext, List<Context> contexts) {
    Document {
      contexts = contexts == null ? List.of() : List.copyOf(contexts);
    }
  }

  private Config() {}

  static Path path(Map<String, String> env) {
    String explicit = env.get("PATCHWAVE_CONFIG");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = env.get("XDG_CONFIG_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".config");
    return base.resolve("patchwave").resolve("config.yaml");
  }

  static Document load(Path path) {
    if (!Files.exists(path)) {
      return new Document(null, List.of());
    }
    try {
      Document d = YAML.readValue(path.toFile(), Document.class);
      return d == null ? new Document(null, List.of()) : d;
    } catch (IOException e) {
      throw CliException.error("cannot read " + path + ": " + e.getMessage());
    }
  }

  /** Writes the file readable by its owner only (it may hold a token). */
  static void save(Path path, Document doc) {
    try {
      Path dir = path.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".config", ".yaml");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the user's own directory is all there is
      }
      YAML.writeValue(tmp.toFile(), doc);
      Files.move(
          tmp,
          path,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw CliException.error("cannot write " + path + ": " + e.getMessage());
    }
  }

  static Document with(Document doc, Context context, boolean makeCurrent) {
    List<Context> contexts = new ArrayList<>();
    for (Context c : doc.contexts()) {
      if (!c.name().equals(context.name())) {
        contexts.add(c);
      }
    }
    contexts.add(context);
    return new Document(makeCurrent ? context.name() : doc.currentContext(), contexts);
  }

  static Optional<Context> find(Document doc, String name) {
    return doc.contexts().stream().filter(c -> c.name().equals(name)).findFirst();
  }
}
