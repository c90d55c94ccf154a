package dev.patchwave.arch;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which package may use which, for every package (as Strimzi's import control does), and no cycles
 * between packages. The graph, innermost first:
 *
 * <pre>
 * core (doc, policy, plan, rollout, patch, simulate, the inventory model)
 *   host -> core                 kube -> core            persistence -> core
 *   health -> host               schedule -> (nothing)   security -> core
 *   inventory.file -> core
 *   engine -> host, health, persistence, schedule
 *   metrics -> engine, host, persistence      notify -> engine
 *   api -> engine, host, persistence, security
 *   app -> anything; nothing uses app or api
 *   cli -> nothing (an HTTP client of the API, packaged alone); nothing uses cli
 * </pre>
 *
 * Ports sit with their users (the engine's {@code NodeOperations}, the schedule's {@code Sleeper});
 * adapters are joined to them in {@code app}, so that no two packages know each other.
 */
class LayersTest {

  static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.patchwave");
  }

  @Test
  void everyPackageUsesOnlyTheLayersBelowIt() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("Core")
        .definedBy(
            "dev.patchwave.doc..",
            "dev.patchwave.policy..",
            "dev.patchwave.plan..",
            "dev.patchwave.rollout..",
            "dev.patchwave.patch..",
            "dev.patchwave.simulate..",
            "dev.patchwave.inventory")
        .layer("InventoryFile")
        .definedBy("dev.patchwave.inventory.file..")
        .layer("Host")
        .definedBy("dev.patchwave.host..")
        .layer("Health")
        .definedBy("dev.patchwave.health..")
        .layer("Kube")
        .definedBy("dev.patchwave.kube..")
        .layer("Persistence")
        .definedBy("dev.patchwave.persistence..")
        .layer("Schedule")
        .definedBy("dev.patchwave.schedule..")
        .layer("Security")
        .definedBy("dev.patchwave.security..")
        .layer("Engine")
        .definedBy("dev.patchwave.engine..")
        .layer("Metrics")
        .definedBy("dev.patchwave.metrics..")
        .layer("Notify")
        .definedBy("dev.patchwave.notify..")
        .layer("Api")
        .definedBy("dev.patchwave.api..")
        .layer("App")
        .definedBy("dev.patchwave.app..")
        .layer("Cli")
        .definedBy("dev.patchwave.cli..")
        .whereLayer("Core")
        .mayOnlyAccessLayers("Core")
        .whereLayer("InventoryFile")
        .mayOnlyAccessLayers("Core")
        .whereLayer("Host")
        .mayOnlyAccessLayers("Core")
        .whereLayer("Health")
        .mayOnlyAccessLayers("Core", "Host")
        .whereLayer("Kube")
        .mayOnlyAccessLayers("Core")
        .whereLayer("Persistence")
        .mayOnlyAccessLayers("Core")
        .whereLayer("Schedule")
        .mayOnlyAccessLayers("Core")
        .whereLayer("Security")
        .mayOnlyAccessLayers("Core")
        .whereLayer("Engine")
        .mayOnlyAccessLayers("Core", "Host", "Health", "Persistence", "Schedule")
        .whereLayer("Metrics")
        .mayOnlyAccessLayers("Core", "Engine", "Host", "Persistence")
        .whereLayer("Notify")
        .mayOnlyAccessLayers("Core", "Engine")
        .whereLayer("Api")
        .mayOnlyAccessLayers("Core", "Engine", "Host", "Persistence", "Security")
        .whereLayer("Api")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("App")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("Cli")
        .mayNotAccessAnyLayer()
        .whereLayer("Cli")
        .mayNotBeAccessedByAnyLayer()
        .check(classes);
  }

  @Test
  void noCyclesBetweenPackages() {
    slices().matching("dev.patchwave.(*)..").should().beFreeOfCycles().check(classes);
  }
}
