package dev.patchwave.app;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The class-archive training run (ADR 13): with {@code patchwave.exit-when-started=true} the
 * controller stops as soon as every start-up observer has run (schema migrated, policies imported,
 * engine and scheduler started), so that {@code -XX:ArchiveClassesAtExit} records the classes a
 * start loads. Off in every other run.
 */
@ApplicationScoped
public class ExitWhenStarted {
  private static final Logger LOG = Logger.getLogger(ExitWhenStarted.class);

  @ConfigProperty(name = "patchwave.exit-when-started", defaultValue = "false")
  boolean exitWhenStarted;

  void onStart(@Observes @Priority(Integer.MAX_VALUE) StartupEvent event) {
    if (exitWhenStarted) {
      LOG.info("started; exiting (patchwave.exit-when-started=true)");
      Quarkus.asyncExit(0);
    }
  }
}
