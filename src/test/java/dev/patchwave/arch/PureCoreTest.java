package dev.patchwave.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pure core ({@code policy}, {@code plan}, {@code rollout}, {@code patch}, and the {@code doc}
 * and {@code inventory} models they read) imports no framework.
 */
class PureCoreTest {

  static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.patchwave");
  }

  static final String[] CORE = {
    "dev.patchwave.policy..",
    "dev.patchwave.plan..",
    "dev.patchwave.rollout..",
    "dev.patchwave.patch..",
    "dev.patchwave.doc..",
    "dev.patchwave.simulate..",
  };

  static final String[] FRAMEWORKS = {
    "io.quarkus..",
    "jakarta..",
    "javax..",
    "io.fabric8..",
    "com.jcraft..",
    "org.hibernate..",
    "org.quartz..",
    "io.vertx..",
    "io.smallrye..",
    "org.eclipse.microprofile..",
    "io.micrometer..",
    "org.jboss.."
  };

  @Test
  void coreImportsNoFramework() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAnyPackage(CORE)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(FRAMEWORKS)
            .because("the pure core must run and be tested without any framework");
    rule.check(classes);
  }

  @Test
  void inventoryModelImportsNoFramework() {
    noClasses()
        .that()
        .resideInAPackage("dev.patchwave.inventory")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(FRAMEWORKS)
        .check(classes);
  }

  @Test
  void coreDoesNotDependOnAdapters() {
    noClasses()
        .that()
        .resideInAnyPackage(CORE)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.patchwave.api..",
            "dev.patchwave.persistence..",
            "dev.patchwave.engine..",
            "dev.patchwave.host..",
            "dev.patchwave.kube..",
            "dev.patchwave.schedule..",
            "dev.patchwave.app..")
        .check(classes);
  }

  @Test
  void coreReadsNoWallClock() {
    noClasses()
        .that()
        .resideInAnyPackage(CORE)
        .should()
        .callMethod(java.time.Instant.class, "now")
        .orShould()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(java.time.Clock.class, "systemUTC")
        .orShould()
        .callMethod(java.time.Clock.class, "systemDefaultZone")
        .orShould()
        .callMethod(java.time.LocalDateTime.class, "now")
        .orShould()
        .callMethod(java.time.ZonedDateTime.class, "now")
        .orShould()
        .callMethod(java.time.OffsetDateTime.class, "now")
        .orShould()
        .callMethod(java.time.LocalDate.class, "now")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .because("time is an argument of the core, never read from the wall clock")
        .check(classes);
  }
}
