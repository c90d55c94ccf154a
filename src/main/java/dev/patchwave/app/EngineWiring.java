package dev.patchwave.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patchwave.engine.HostSteps;
import dev.patchwave.engine.NodeOperations;
import dev.patchwave.engine.PowerCycles;
import dev.patchwave.health.HealthChecker;
import dev.patchwave.host.HostExecutor;
import dev.patchwave.host.HostRouter;
import dev.patchwave.host.PowerControl;
import dev.patchwave.host.PowerRouter;
import dev.patchwave.host.redfish.RedfishPower;
import dev.patchwave.host.simulated.SimulatedHostExecutor;
import dev.patchwave.host.ssh.JschHostExecutor;
import dev.patchwave.host.ssh.SshSettings;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.kube.NodeDrainer;
import dev.patchwave.kube.NodeInventory;
import dev.patchwave.metrics.MeteredHostExecutor;
import dev.patchwave.metrics.PatchwaveMetrics;
import dev.patchwave.persistence.AuditLog;
import dev.patchwave.persistence.NodeCordonStore;
import dev.patchwave.persistence.QuarantineStore;
import dev.patchwave.persistence.ScanStore;
import dev.patchwave.policy.CheckCatalogue;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Singleton;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Chooses and builds the adapters from configuration. No logic. */
@ApplicationScoped
public class EngineWiring {

  @Produces
  @Singleton
  @Typed(SimulatedHostExecutor.class)
  SimulatedHostExecutor simulated(
      Clock clock,
      @ConfigProperty(name = "patchwave.simulation.boot-time") Duration bootTime,
      @ConfigProperty(name = "patchwave.simulation.command-log", defaultValue = "1000")
          int commandLog) {
    return new SimulatedHostExecutor(clock, bootTime, commandLog);
  }

  @Produces
  @Singleton
  @Typed(JschHostExecutor.class)
  JschHostExecutor ssh(
      @ConfigProperty(name = "patchwave.ssh.user") String user,
      @ConfigProperty(name = "patchwave.ssh.private-key-file") Optional<Path> key,
      @ConfigProperty(name = "patchwave.ssh.known-hosts-file") Optional<Path> knownHosts,
      @ConfigProperty(name = "patchwave.ssh.connect-timeout") Duration connectTimeout,
      @ConfigProperty(name = "patchwave.ssh.sudo") boolean sudo,
      @ConfigProperty(name = "patchwave.ssh.max-sessions") int maxSessions,
      @ConfigProperty(name = "patchwave.ssh.max-output-bytes") int maxOutput,
      @ConfigProperty(name = "patchwave.ssh.idle-timeout") Duration idleTimeout,
      @ConfigProperty(name = "patchwave.ssh.max-idle") int maxIdle) {
    return new JschHostExecutor(
        new SshSettings(
            user,
            key,
            knownHosts,
            connectTimeout,
            sudo,
            maxSessions,
            maxOutput,
            idleTimeout,
            maxIdle));
  }

  void closeSsh(@jakarta.enterprise.inject.Disposes JschHostExecutor ssh) {
    ssh.close();
  }

  @Produces
  @Singleton
  dev.patchwave.policy.Guardrails guardrails(GuardrailsConfig config) {
    return config.guardrails();
  }

  @Produces
  @Singleton
  HostExecutor hosts(
      JschHostExecutor ssh, SimulatedHostExecutor simulated, PatchwaveMetrics metrics) {
    return new MeteredHostExecutor(new HostRouter(ssh, simulated), metrics);
  }

  @Produces
  @Singleton
  HostSteps steps(
      HostExecutor hosts,
      HostSource inventory,
      QuarantineStore quarantine,
      AuditLog audit,
      ObjectMapper json,
      Clock clock,
      CheckCatalogue checks,
      @ConfigProperty(name = "patchwave.kubernetes.drain-poll") Duration drainPoll,
      @ConfigProperty(name = "patchwave.kubernetes.field-selectors") boolean fieldSelectors,
      @ConfigProperty(name = "patchwave.namespace") Optional<String> namespace,
      Optional<NodeInventory> cluster,
      Instance<KubernetesClient> kubernetes,
      NodeCordonStore cordons,
      ScanStore scans,
      SimulatedHostExecutor simulated,
      dev.patchwave.persistence.RolloutStore rollouts,
      @ConfigProperty(name = "patchwave.power.credentials-dir") Path credentials,
      @ConfigProperty(name = "patchwave.power.ca-file") Optional<Path> caFile,
      @ConfigProperty(name = "patchwave.power.timeout") Duration powerTimeout,
      @ConfigProperty(name = "patchwave.power.max-per-hour") int powerPerHour) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    Optional<NodeOperations> nodes =
        cluster.map(
            c ->
                nodeOperations(
                    new NodeDrainer(
                        kubernetes.get(),
                        clock,
                        drainPoll,
                        cordonLog(cordons),
                        fieldSelectors,
                        Optional.of(
                            namespace.orElseGet(
                                () ->
                                    Optional.ofNullable(kubernetes.get().getNamespace())
                                        .orElse("default"))))));
    HostSteps.ActionLog actions =
        (action, host, ok, detail) ->
            audit.record(
                AuditLog.CONTROLLER,
                action,
                host,
                ok ? AuditLog.Outcome.SUCCESS : AuditLog.Outcome.FAILED,
                null,
                detail);
    return new HostSteps(
        hosts,
        new HealthChecker(
            hosts, http, json, checks, node -> cluster.flatMap(c -> c.conditions(node))),
        inventory::hosts,
        quarantine::pins,
        actions,
        nodes,
        packageAges(scans),
        clock,
        new PowerCycles(
            new PowerRouter(
                new RedfishPower(credentials, caFile, powerTimeout), simulatedPower(simulated)),
            rollouts::owners,
            since -> audit.count("host.power-cycle", AuditLog.Outcome.SUCCESS, since),
            powerPerHour,
            actions,
            clock));
  }

  /** A simulated host's power button: a force restart (GRUB picks the kernel, nobody else). */
  static PowerControl simulatedPower(SimulatedHostExecutor simulated) {
    return host ->
        simulated
            .existing(host.name())
            .map(
                e -> {
                  e.forceRestart();
                  return PowerControl.Outcome.done("the simulated host was restarted");
                })
            .orElse(PowerControl.Outcome.notDone("the simulated host is not running"));
  }

  /** The scans' first-seen times, as the engine's host steps read and add to them. */
  static HostSteps.PackageAges packageAges(ScanStore scans) {
    return new HostSteps.PackageAges() {
      @Override
      public java.util.Map<dev.patchwave.patch.PackageVersion, java.time.Instant> firstSeen(
          java.util.Collection<dev.patchwave.patch.PackageVersion> versions) {
        return versions.isEmpty() ? java.util.Map.of() : scans.firstSeen(versions);
      }

      @Override
      public void seen(
          String host,
          java.util.List<dev.patchwave.patch.PendingUpdate> pending,
          java.time.Instant at) {
        scans.seen(host, pending, at);
      }
    };
  }

  /** The database's record of cordons, as the drainer writes it. */
  static NodeDrainer.CordonLog cordonLog(NodeCordonStore cordons) {
    return new NodeDrainer.CordonLog() {
      @Override
      public void cordoned(String node, long rolloutId) {
        cordons.cordoned(node, rolloutId);
      }

      @Override
      public void uncordoned(String node, long rolloutId) {
        cordons.uncordoned(node, rolloutId);
      }
    };
  }

  /** The engine's port over the Fabric8 drainer (adapted here, so neither knows the other). */
  static NodeOperations nodeOperations(NodeDrainer drainer) {
    return new NodeOperations() {
      @Override
      public DrainResult drainOnce(
          String node,
          long rolloutId,
          java.time.Instant deadline,
          boolean deleteEmptyDirData,
          java.util.function.BooleanSupplier mayAct) {
        NodeDrainer.DrainResult r =
            drainer.drainOnce(node, rolloutId, deadline, deleteEmptyDirData, mayAct);
        if (r instanceof NodeDrainer.Drained d) {
          return new Drained(d.cordonedByUs(), d.evicted());
        }
        if (r instanceof NodeDrainer.Draining d) {
          return new Draining(d.evicted(), d.waitingFor(), d.lookAgainIn());
        }
        if (r instanceof NodeDrainer.NodeGone g) {
          return new NodeGone(g.node());
        }
        return new DrainFailed(((NodeDrainer.DrainFailed) r).why());
      }

      @Override
      public boolean uncordonIfOurs(String node, long rolloutId) {
        return drainer.uncordonIfOurs(node, rolloutId);
      }
    };
  }
}
