package dev.patchwave.security;

import dev.patchwave.doc.DocumentException;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The API tokens in force: read from {@code patchwave.auth.tokens-file} (for example a mounted
 * Kubernetes Secret) and read again when the file changes, so tokens rotate without a restart.
 * Without a configured file, the first start creates one under the data directory with one admin
 * token, whose text goes to a file of mode 0600 beside it, never to the log.
 */
@Startup
@ApplicationScoped
public class ApiTokens {

  private static final Logger LOG = Logger.getLogger(ApiTokens.class);
  public static final String PREFIX = "pw_";
  private static final Duration RECHECK = Duration.ofSeconds(2);

  private final Optional<String> configuredFile;
  private final Path dataDir;
  private final Clock clock;

  private Path file;
  private volatile Map<String, ApiToken> byHash = Map.of();
  private volatile FileTime loadedModified;
  private volatile Instant checkedAt = Instant.EPOCH;

  /** Why no token is in force now (the file is missing or invalid); null while it is valid. */
  private volatile String broken;

  public ApiTokens(
      @ConfigProperty(name = "patchwave.auth.tokens-file") Optional<String> configuredFile,
      @ConfigProperty(name = "patchwave.data-dir") String dataDir,
      Clock clock) {
    this.configuredFile = configuredFile;
    this.dataDir = Path.of(dataDir);
    this.clock = clock;
  }

  @PostConstruct
  void start() {
    if (configuredFile.isPresent()) {
      file = Path.of(configuredFile.get());
      if (!Files.isRegularFile(file)) {
        throw new IllegalStateException(
            "patchwave.auth.tokens-file " + file + " does not exist or is not a file");
      }
    } else {
      file = dataDir.resolve("api-tokens.yaml");
      if (!Files.exists(file)) {
        bootstrap();
      } else {
        LOG.infof(
            "API tokens from %s; the first admin token is in %s",
            file.toAbsolutePath().normalize(), adminTokenFile().toAbsolutePath().normalize());
      }
    }
    try {
      load();
    } catch (DocumentException e) {
      throw new IllegalStateException("API token file " + file + " is invalid:\n" + e.getMessage());
    }
  }

  /** Where the first start wrote the admin token (only without a configured token file). */
  public Path adminTokenFile() {
    return dataDir.resolve("admin-token");
  }

  /** The token whose text is {@code presented}, if any is in force. */
  public Optional<ApiToken> find(String presented) {
    reloadIfChanged();
    return Optional.ofNullable(byHash.get(sha256(presented)));
  }

  /** A new random token text: {@code pw_} and 43 characters of base64url (256 bits). */
  public static String newToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void bootstrap() {
    String token = newToken();
    try {
      Files.createDirectories(dataDir);
      writePrivate(adminTokenFile(), token + "\n");
      writePrivate(
          file,
          "# API tokens of this controller: name, roles and the SHA-256 of the token.\n"
              + "# Add one: t=pw_$(head -c 32 /dev/urandom | basenc --base64url | tr -d =);"
              + " printf %s \"$t\" | sha256sum\n"
              + "apiVersion: patchwave.dev/v1\n"
              + "kind: ApiTokens\n"
              + "tokens:\n"
              + "  - name: admin\n"
              + "    roles: [viewer, operator, approver]\n"
              + "    sha256: "
              + sha256(token)
              + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the first API token under " + dataDir, e);
    }
    LOG.infof(
        "API: created an admin token; it is in %s (mode 0600). Send it as 'Authorization: Bearer"
            + " <token>'. Token hashes: %s",
        adminTokenFile().toAbsolutePath().normalize(), file.toAbsolutePath().normalize());
  }

  private static void writePrivate(Path path, String content) throws IOException {
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp); // not a POSIX file system
    }
    Files.writeString(tmp, content, StandardOpenOption.TRUNCATE_EXISTING);
    Files.move(tmp, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private synchronized void load() throws DocumentException {
    try {
      FileTime modified = Files.getLastModifiedTime(file);
      List<ApiToken> tokens = ApiTokenReader.read(Files.readString(file));
      byHash =
          tokens.stream()
              .collect(Collectors.toUnmodifiableMap(ApiToken::sha256, Function.identity()));
      loadedModified = modified;
      LOG.infof("API: %d tokens in force from %s", tokens.size(), file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read API token file " + file, e);
    }
  }

  /**
   * Reads the file again when it changed. Fails closed: a file that was deleted, emptied, made
   * unreadable or edited into something invalid leaves no token in force (an operator who deletes
   * the file to revoke access gets exactly that) until a valid file is back; it is said once, as an
   * ERROR, when it happens.
   */
  private void reloadIfChanged() {
    Instant now = clock.instant();
    if (now.isBefore(checkedAt.plus(RECHECK))) {
      return;
    }
    checkedAt = now;
    FileTime modified;
    try {
      modified = Files.getLastModifiedTime(file);
    } catch (IOException e) {
      refuseAll(null, "cannot be read (" + e.getClass().getSimpleName() + ")");
      return;
    }
    if (modified.equals(loadedModified)) {
      return;
    }
    try {
      load();
      broken = null;
    } catch (DocumentException e) {
      refuseAll(modified, "is invalid:\n" + e.getMessage());
    } catch (UncheckedIOException e) {
      refuseAll(null, "cannot be read (" + e.getCause().getClass().getSimpleName() + ")");
    }
  }

  private synchronized void refuseAll(FileTime modified, String why) {
    byHash = Map.of();
    loadedModified = modified;
    if (!why.equals(broken)) {
      broken = why;
      LOG.errorf("API token file %s %s; NO API token is accepted until it is fixed", file, why);
    }
  }
}
