package dev.patchwave.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.jcraft.jsch.JSch;
import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor.HostSession;
import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.AptPackageManager;
import dev.patchwave.patch.Batch;
import dev.patchwave.patch.Command;
import dev.patchwave.patch.Grub;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.testing.EmulatedSshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSch against a real SSH server (Apache MINA SSHD on loopback) answering as an emulated host. */
class JschHostExecutorTest {

  @TempDir Path dir;
  Path privateKey;
  Path knownHosts;
  EmulatedHost emulated;
  EmulatedSshServer server;
  Host host;
  final AptPackageManager apt = new AptPackageManager();

  @BeforeEach
  void start() throws Exception {
    privateKey = dir.resolve("id_ecdsa");
    com.jcraft.jsch.KeyPair kp =
        com.jcraft.jsch.KeyPair.genKeyPair(new JSch(), com.jcraft.jsch.KeyPair.ECDSA, 256);
    kp.writePrivateKey(privateKey.toString());
    kp.writePublicKey(dir.resolve("authorized_keys").toString(), "patchwave-test");
    kp.dispose();
    Host model =
        new Host(
            "kafka-a-1",
            "127.0.0.1",
            22,
            Host.Transport.SIMULATED,
            Host.PackageFamily.APT,
            new TreeMap<>(Map.of("os-release", "24.04")),
            Optional.empty(),
            Optional.of(
                new Host.Simulation(
                    Map.of("linux-image-generic", "6.8.0-48.48", "openssl", "3.0.13-0ubuntu3.4"),
                    Map.of("linux-image-generic", "6.8.0-49.49", "openssl", "3.0.13-0ubuntu3.5"),
                    List.of())));
    emulated = new EmulatedHost(model, Clock.systemUTC(), Duration.ofMillis(300));
    server = new EmulatedSshServer(emulated, dir.resolve("authorized_keys"));
    host =
        new Host(
            "kafka-a-1",
            "127.0.0.1",
            server.port(),
            Host.Transport.SSH,
            Host.PackageFamily.APT,
            new TreeMap<>(),
            Optional.empty(),
            Optional.empty());
    knownHosts = dir.resolve("known_hosts");
    Files.writeString(knownHosts, server.knownHostsLine() + "\n");
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  JschHostExecutor executor(int maxSessions) {
    return new JschHostExecutor(settings(maxSessions, false, Duration.ZERO, 0));
  }

  SshSettings settings(int maxSessions, boolean sudo, Duration idleTimeout, int maxIdle) {
    return new SshSettings(
        "patchwave",
        Optional.of(privateKey),
        Optional.of(knownHosts),
        Duration.ofSeconds(5),
        sudo,
        maxSessions,
        64 * 1024,
        idleTimeout,
        maxIdle);
  }

  @Test
  void argumentsArriveAsExactlyTheWordsSentWhateverTheyHold() throws Exception {
    List<String> hostile =
        List.of(
            "echo",
            "a;b",
            "$(touch /tmp/pwned)",
            "`id`",
            "it's",
            "two words",
            "\"dq\"",
            "-rf",
            "x && reboot",
            "$HOME",
            "a|b",
            "new\nline");
    try (HostSession s = executor(2).open(host)) {
      CommandResult r =
          s.run(new Command(Command.Kind.PROBE, hostile, null, Duration.ofSeconds(5)));
      assertThat(r.exitCode()).isEqualTo(127); // the emulator has no echo: it was not a shell
    }
    assertThat(server.injections()).isEmpty();
    assertThat(server.commands()).containsExactly(hostile);
  }

  @Test
  void theTrialBootCommandsArriveIntactOverSsh() throws Exception {
    try (HostSession s = executor(2).open(host)) {
      s.run(apt.install(List.of(new PackageVersion("linux-image-generic", "6.8.0-49.49"))));
      assertThat(s.run(Grub.writeDropIn(Duration.ofSeconds(30), false)).exitCode()).isZero();
      assertThat(s.run(Grub.update()).exitCode()).isZero();
      List<Grub.Entry> menu = Grub.entries(s.run(Grub.readMenu()).stdout());
      Grub.Entry old =
          Grub.entryFor(menu.subList(1, menu.size()), "6.8.0-48-generic").orElseThrow();
      Grub.Entry next =
          Grub.entryFor(menu.subList(1, menu.size()), "6.8.0-49-generic").orElseThrow();
      // an entry id holds '>', which a shell would take for a redirection
      assertThat(next.id()).contains(">");
      assertThat(s.run(Grub.setDefault(old)).exitCode()).isZero();
      assertThat(s.run(Grub.bootOnce(next)).exitCode()).isZero();
      assertThat(Grub.env(s.run(Grub.readEnv()).stdout()))
          .containsEntry("saved_entry", old.id())
          .containsEntry("next_entry", next.id());
    }
    assertThat(server.injections()).isEmpty();
    assertThat(emulated.defaultKernel()).isEqualTo("6.8.0-48-generic");
  }

  @Test
  void installsExactVersionsAndComesBackFromTheReboot() throws Exception {
    JschHostExecutor ssh = executor(2);
    String bootBefore;
    try (HostSession s = ssh.open(host)) {
      var pending = apt.parseUpdates(s.run(apt.listUpdates()).stdout());
      assertThat(pending)
          .extracting(u -> u.candidateVersion().pinned())
          .containsExactlyInAnyOrder(
              "linux-image-generic=6.8.0-49.49", "openssl=3.0.13-0ubuntu3.5");
      assertThat(pending).allMatch(u -> u.security());
      CommandResult install =
          s.run(apt.install(List.of(new PackageVersion("linux-image-generic", "6.8.0-49.49"))));
      assertThat(install.exitCode()).isZero();
      assertThat(s.run(apt.rebootRequired()).exitCode()).isZero();
      assertThat(apt.parseNextKernel(s.run(apt.nextKernel()).stdout()))
          .contains("6.8.0-49-generic");
      bootBefore =
          s.run(
                  Command.of(
                      Command.Kind.PROBE,
                      Duration.ofSeconds(5),
                      "cat",
                      "/proc/sys/kernel/random/boot_id"))
              .stdout();
      // a real reboot may answer before the connection drops, or drop it first: both are fine
      try {
        s.run(Command.of(Command.Kind.REBOOT, Duration.ofSeconds(10), "systemctl", "reboot"));
      } catch (HostException.ConnectionLost expected) {
        assertThat(expected).hasMessageContaining("kafka-a-1");
      }
      assertThat(server.host().isUp()).isFalse();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptionsInstanceOf(HostException.Unreachable.class)
        .until(
            () -> {
              try (HostSession s = ssh.open(host)) {
                return s.run(Command.of(Command.Kind.PROBE, Duration.ofSeconds(5), "uname", "-r"))
                    .stdout()
                    .strip();
              }
            },
            kernel -> kernel.equals("6.8.0-49-generic"));
    assertThat(server.host().bootId()).isNotEqualTo(bootBefore.strip());
    assertThat(server.host().installed())
        .containsEntry("linux-image-generic", "6.8.0-49.49")
        .containsEntry("openssl", "3.0.13-0ubuntu3.4");
  }

  @Test
  void aSwappedHostKeyIsRefusedAndNamesTheHost() throws Exception {
    Files.writeString(
        knownHosts,
        EmulatedSshServer.knownHostsLine(server.port(), EmulatedSshServer.newHostKey().getPublic())
            + "\n");
    assertThatThrownBy(() -> executor(2).open(host))
        .isInstanceOf(HostException.HostKeyRejected.class)
        .hasMessageContaining("kafka-a-1")
        .hasMessageContaining("differs from the pinned one");
    assertThat(server.commands()).isEmpty();
  }

  @Test
  void anUnpinnedHostKeyIsRefused() throws Exception {
    Files.writeString(knownHosts, "");
    assertThatThrownBy(() -> executor(2).open(host))
        .isInstanceOf(HostException.HostKeyRejected.class)
        .hasMessageContaining("kafka-a-1")
        .hasMessageContaining("not pinned");
    assertThat(server.commands()).isEmpty();
  }

  @Test
  void withoutKeyOrKnownHostsNothingConnects() {
    var unconfigured =
        new JschHostExecutor(
            new SshSettings(
                "patchwave",
                Optional.empty(),
                Optional.empty(),
                Duration.ofSeconds(2),
                false,
                1,
                1024));
    assertThatThrownBy(() -> unconfigured.open(host))
        .isInstanceOf(HostException.NotConfigured.class)
        .hasMessageContaining("known-hosts-file");
  }

  @Test
  void aSlowCommandTimesOut() throws Exception {
    try (HostSession s = executor(2).open(host)) {
      assertThatThrownBy(
              () -> s.run(Command.of(Command.Kind.PROBE, Duration.ofMillis(500), "sleep", "5")))
          .isInstanceOf(HostException.CommandTimedOut.class)
          .hasMessageContaining("kafka-a-1");
    }
  }

  @Test
  void outputIsBounded() throws Exception {
    try (HostSession s = executor(2).open(host)) {
      CommandResult r =
          s.run(Command.of(Command.Kind.PROBE, Duration.ofSeconds(10), "emit-bytes", "300000"));
      assertThat(r.exitCode()).isZero();
      assertThat(r.truncated()).isTrue();
      assertThat(r.stdout()).hasSize(64 * 1024);
    }
  }

  @Test
  void sessionsAreBounded() throws Exception {
    JschHostExecutor one =
        new JschHostExecutor(
            new SshSettings(
                "patchwave",
                Optional.of(privateKey),
                Optional.of(knownHosts),
                Duration.ofMillis(500),
                false,
                1,
                1024),
            Duration.ofMillis(500));
    try (HostSession first = one.open(host)) {
      // the controller's own limit: Busy (never a host fault), after waiting for a free session
      assertThatThrownBy(() -> one.open(host))
          .isInstanceOf(HostException.Busy.class)
          .hasMessageContaining("busy");
    }
    try (HostSession again = one.open(host)) {
      assertThat(
              again.run(Command.of(Command.Kind.PROBE, Duration.ofSeconds(5), "true")).exitCode())
          .isZero();
    }
  }

  JschHostExecutor keeping(int maxSessions, boolean sudo) {
    return keeping(maxSessions, sudo, 8);
  }

  JschHostExecutor keeping(int maxSessions, boolean sudo, int maxIdle) {
    return new JschHostExecutor(
        settings(maxSessions, sudo, Duration.ofSeconds(30), maxIdle), Duration.ofMillis(500));
  }

  static final Command UNAME = Command.of(Command.Kind.PROBE, Duration.ofSeconds(5), "uname", "-r");
  static final Command BOOT_ID =
      Command.of(
          Command.Kind.PROBE, Duration.ofSeconds(5), "cat", "/proc/sys/kernel/random/boot_id");

  @Test
  void aHostsStepsShareOneConnectionAndABatchIsOneCommand() throws Exception {
    JschHostExecutor ssh = keeping(4, true);
    for (int step = 0; step < 3; step++) {
      try (HostSession s = ssh.open(host)) {
        List<CommandResult> r = s.runAll(Batch.of(Command.Kind.PROBE, List.of(BOOT_ID, UNAME)));
        assertThat(r).hasSize(2);
        assertThat(r.get(0).stdout().strip()).isEqualTo(server.host().bootId());
        assertThat(r.get(1).stdout()).isEqualTo("6.8.0-48-generic\n");
      }
      assertThat(ssh.idleConnections()).isEqualTo(1);
    }
    assertThat(server.connections()).isEqualTo(1);
    // each step of the batch ran as its own argv, under sudo, and nothing was a shell injection
    assertThat(server.commands())
        .hasSize(6)
        .allMatch(argv -> argv.subList(0, 3).equals(List.of("sudo", "-n", "--")));
    assertThat(server.injections()).isEmpty();
    ssh.close();
    assertThat(ssh.idleConnections()).isZero();
  }

  @Test
  void aConnectionThatDiedWhileIdleIsReplacedAndTheCommandRunsOnce() throws Exception {
    JschHostExecutor ssh = keeping(2, false);
    try (HostSession s = ssh.open(host)) {
      s.run(UNAME);
    }
    server.dropConnections();
    try (HostSession s = ssh.open(host)) {
      assertThat(s.run(UNAME).stdout()).isEqualTo("6.8.0-48-generic\n");
    }
    assertThat(server.connections()).isEqualTo(2);
    assertThat(server.commands()).hasSize(2);
  }

  @Test
  void aKeptConnectionDoesNotMakeAHostThatWentDownLookReachable() throws Exception {
    JschHostExecutor ssh = keeping(2, false);
    try (HostSession s = ssh.open(host)) {
      s.run(UNAME);
    }
    assertThat(ssh.idleConnections()).isEqualTo(1);
    server.host().powerOff();
    try {
      assertThatThrownBy(() -> ssh.open(host)).isInstanceOf(HostException.Unreachable.class);
      assertThat(ssh.idleConnections()).isZero();
    } finally {
      server.host().powerCycle();
    }
    try (HostSession s = ssh.open(host)) {
      assertThat(s.run(UNAME).exitCode()).isZero();
    }
  }

  @Test
  void aConnectionIsNotKeptAfterATimeoutOrAReboot() throws Exception {
    JschHostExecutor ssh = keeping(2, false);
    try (HostSession s = ssh.open(host)) {
      assertThatThrownBy(
              () -> s.run(Command.of(Command.Kind.PROBE, Duration.ofMillis(300), "sleep", "2")))
          .isInstanceOf(HostException.CommandTimedOut.class);
    }
    assertThat(ssh.idleConnections()).isZero();
    try (HostSession s = ssh.open(host)) {
      try {
        s.run(Command.of(Command.Kind.REBOOT, Duration.ofSeconds(5), "systemctl", "reboot"));
      } catch (HostException.ConnectionLost expected) {
        // the host went down under the command
      }
    }
    assertThat(ssh.idleConnections()).isZero();
  }

  @Test
  void idleConnectionsTakeNoSessionAndAreBoundedLongestIdleFirst() throws Exception {
    Files.writeString(
        knownHosts,
        server.knownHostsLine()
            + "\n"
            + server.knownHostsLine().replace("[127.0.0.1]", "[localhost]")
            + "\n");
    Host other =
        new Host(
            "kafka-a-1-by-name",
            "localhost",
            server.port(),
            Host.Transport.SSH,
            Host.PackageFamily.APT,
            new TreeMap<>(),
            Optional.empty(),
            Optional.empty());
    JschHostExecutor ssh = keeping(1, false, 1);
    try (HostSession s = ssh.open(host)) {
      s.run(UNAME);
    }
    assertThat(ssh.idleConnections()).isEqualTo(1);
    // the one session in use is free again: an idle connection does not hold it
    try (HostSession s = ssh.open(other)) {
      assertThat(s.run(UNAME).exitCode()).isZero();
      assertThatThrownBy(() -> ssh.open(host)).isInstanceOf(HostException.Busy.class);
    }
    // one idle at most: the newer (other's) stays, the host's older one was closed
    assertThat(ssh.idleConnections()).isEqualTo(1);
    int before = server.connections();
    try (HostSession s = ssh.open(other)) {
      s.run(UNAME);
    }
    assertThat(server.connections()).isEqualTo(before);
    try (HostSession s = ssh.open(host)) {
      s.run(UNAME);
    }
    assertThat(server.connections()).isEqualTo(before + 1);
  }

  @Test
  void aChangedKnownHostsFileIsReadAgain() throws Exception {
    JschHostExecutor ssh = executor(2);
    try (HostSession s = ssh.open(host)) {
      assertThat(s.run(UNAME).exitCode()).isZero();
    }
    Files.writeString(
        knownHosts,
        EmulatedSshServer.knownHostsLine(server.port(), EmulatedSshServer.newHostKey().getPublic())
            + "\n");
    assertThatThrownBy(() -> ssh.open(host))
        .isInstanceOf(HostException.HostKeyRejected.class)
        .hasMessageContaining("differs from the pinned one");
    Files.writeString(knownHosts, "# the fleet's keys\n" + server.knownHostsLine() + "\n");
    try (HostSession s = ssh.open(host)) {
      assertThat(s.run(UNAME).exitCode()).isZero();
    }
  }

  @Test
  void quarantinePinsAreWrittenThroughStandardInput() throws Exception {
    try (HostSession s = executor(2).open(host)) {
      CommandResult r =
          s.run(
              apt.writeQuarantine(
                  List.of(new PackageVersion("linux-image-generic", "6.8.0-49.49")),
                  "rollout 7, host kafka-a-1"));
      assertThat(r.exitCode()).isZero();
    }
    assertThat(server.host().pins())
        .containsExactly(new PackageVersion("linux-image-generic", "6.8.0-49.49"));
    assertThat(server.injections()).isEmpty();
  }
}
