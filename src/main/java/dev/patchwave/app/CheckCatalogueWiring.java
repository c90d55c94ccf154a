package dev.patchwave.app;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.policy.CheckCatalogue;
import dev.patchwave.policy.CheckCatalogueReader;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The check catalogue (ADR 14): {@code patchwave.checks.file}, or the bundled one ({@value
 * #BUNDLED}) without it; {@code patchwave.prometheus.url} as datasource {@code default} unless the
 * catalogue has one; {@code patchwave.checks.allow-inline}. Read once at start: a catalogue with a
 * problem stops the controller from starting, with the problem's line and column.
 */
@ApplicationScoped
public class CheckCatalogueWiring {

  static final String BUNDLED = "checks/catalogue.yaml";
  private static final Logger LOG = Logger.getLogger(CheckCatalogueWiring.class);

  @Produces
  @Singleton
  CheckCatalogue catalogue(
      @ConfigProperty(name = "patchwave.checks.file") Optional<String> file,
      @ConfigProperty(name = CheckCatalogue.ALLOW_INLINE, defaultValue = "false")
          boolean allowInline,
      @ConfigProperty(name = "patchwave.prometheus.url") Optional<String> prometheus) {
    String where = file.orElse("the bundled " + BUNDLED);
    CheckCatalogue read;
    try {
      read = CheckCatalogueReader.read(text(file));
    } catch (DocumentException e) {
      throw new IllegalStateException("check catalogue " + where + ": " + e.getMessage(), e);
    }
    CheckCatalogue catalogue =
        read.withDefaultDatasource(prometheus.filter(u -> !u.isBlank()))
            .allowingInline(allowInline);
    LOG.infof(
        "checks: %d SSH commands, %d HTTP targets, %d Prometheus datasources from %s%s",
        catalogue.ssh().size(),
        catalogue.http().size(),
        catalogue.prometheus().size(),
        where,
        allowInline
            ? "; inline commands and URLs ALLOWED (" + CheckCatalogue.ALLOW_INLINE + ")"
            : "");
    return catalogue;
  }

  private static String text(Optional<String> file) {
    try {
      if (file.isPresent()) {
        return Files.readString(Path.of(file.get()), StandardCharsets.UTF_8);
      }
      try (InputStream in =
          Thread.currentThread().getContextClassLoader().getResourceAsStream(BUNDLED)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "check catalogue " + file.orElse(BUNDLED) + " could not be read", e);
    }
  }
}
