package dev.patchwave.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.patch.Batch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;

/**
 * An Apache MINA SSHD server on a loopback port whose commands are answered by one {@link
 * EmulatedHost}. Public-key authentication against an authorized_keys file; one fixed host key
 * (ECDSA P-256). While the emulated host is down, new connections are closed at once and the reboot
 * command drops the open ones, as a real reboot does. Every command line that a shell would
 * interpret beyond plain words is recorded in {@link #injections()} and not run. A batch (the exact
 * {@code sh -c Batch.SCRIPT} line) is run step by step as the script runs it, each step's argv
 * recorded in {@link #commands()} as if sent alone.
 */
public final class EmulatedSshServer implements AutoCloseable {

  private final EmulatedHost host;
  private final SshServer server;
  private final KeyPair hostKey;
  private final List<String> injections = new CopyOnWriteArrayList<>();
  private final List<List<String>> commands = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger connections =
      new java.util.concurrent.atomic.AtomicInteger();

  public EmulatedSshServer(EmulatedHost host, Path authorizedKeys) throws Exception {
    this(host, authorizedKeys, newHostKey());
  }

  public EmulatedSshServer(EmulatedHost host, Path authorizedKeys, KeyPair hostKey)
      throws IOException {
    this.host = host;
    this.hostKey = hostKey;
    server = SshServer.setUpDefaultServer();
    server.setHost("127.0.0.1");
    server.setPort(0);
    server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    server.setPublickeyAuthenticator(new AuthorizedKeysAuthenticator(authorizedKeys));
    server.setPasswordAuthenticator(null);
    server.setKeyboardInteractiveAuthenticator(null);
    server.setCommandFactory((channel, line) -> new EmulatedCommand(line));
    server.addSessionListener(
        new org.apache.sshd.common.session.SessionListener() {
          @Override
          public void sessionCreated(org.apache.sshd.common.session.Session session) {
            connections.incrementAndGet();
            if (!host.isUp()) {
              session.close(true);
            }
          }
        });
    server.addChannelListener(
        new org.apache.sshd.common.channel.ChannelListener() {
          @Override
          public void channelInitialized(org.apache.sshd.common.channel.Channel channel) {
            // a host that went down while a connection stood open answers nothing on it either
            if (!host.isUp()) {
              channel.getSession().close(true);
            }
          }
        });
    server.start();
  }

  public static KeyPair newHostKey() throws Exception {
    var generator = SecurityUtils.getKeyPairGenerator("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  public int port() {
    return server.getPort();
  }

  public KeyPair hostKey() {
    return hostKey;
  }

  public EmulatedHost host() {
    return host;
  }

  /** The known_hosts line that pins this server's key. */
  public String knownHostsLine() {
    return knownHostsLine(port(), hostKey.getPublic());
  }

  public static String knownHostsLine(int port, PublicKey key) {
    return "[127.0.0.1]:" + port + " " + PublicKeyEntry.toString(key);
  }

  public List<String> injections() {
    return List.copyOf(injections);
  }

  /** Every argv the server ran, as parsed from the exec requests. */
  public List<List<String>> commands() {
    return List.copyOf(commands);
  }

  @Override
  public void close() throws IOException {
    server.stop(true);
  }

  /** How many SSH connections clients opened (handshakes), refused ones included. */
  public int connections() {
    return connections.get();
  }

  /** Drops every open connection, as a network fault or an sshd restart would. */
  public void dropConnections() {
    dropSessions();
  }

  private void dropSessions() {
    for (var s : server.getActiveSessions()) {
      s.close(true);
    }
  }

  private final class EmulatedCommand implements Command {
    private final String line;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;

    EmulatedCommand(String line) {
      this.line = line;
    }

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
      this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
      this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      Thread t = new Thread(this::run, "emulated-ssh-" + host.name());
      t.setDaemon(true);
      t.start();
    }

    private void run() {
      try {
        List<String> argv;
        try {
          argv = PosixWords.split(line);
        } catch (PosixWords.Unsafe e) {
          injections.add(line);
          err.write(("refused: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
          err.flush();
          exit.onExit(126);
          return;
        }
        if (isBatch(argv)) {
          runBatch(Batch.decode(argv.subList(4, argv.size())));
          return;
        }
        commands.add(argv);
        if (testHook(argv)) {
          return;
        }
        byte[] stdin = argv.contains("tee") ? readAll(in) : new byte[0];
        EmulatedHost.Reply r = host.exec(argv, stdin);
        out.write(r.stdout().getBytes(StandardCharsets.UTF_8));
        out.flush();
        err.write(r.stderr().getBytes(StandardCharsets.UTF_8));
        err.flush();
        if (!host.isUp()) {
          // a reboot or a panic: the connection goes away with the host
          exit.onExit(r.exitCode());
          dropSessions();
          return;
        }
        exit.onExit(r.exitCode());
      } catch (EmulatedHost.DownException e) {
        dropSessions();
      } catch (IOException e) {
        exit.onExit(255);
      }
    }

    /**
     * A batch as the script runs it: each step's output, then the marker lines; a guard that fails
     * stops it. Each step's argv is recorded in {@link #commands()} as if sent alone.
     */
    private void runBatch(Batch.Decoded batch) throws IOException, EmulatedHost.DownException {
      String lastCommand = "";
      int lastCode = 0;
      for (Batch.DecodedStep step : batch.steps()) {
        String stdout;
        String stderr = "";
        int code;
        if (step.guard()) {
          // a guard reads the last command's output, as the script does
          if (lastCode == 0) {
            List<String> outside =
                Batch.notAllowed(lastCommand, new java.util.HashSet<>(step.words()));
            stdout = String.join("\n", outside);
            code = outside.isEmpty() ? 0 : 1;
          } else {
            stdout = "the simulation failed (exit " + lastCode + ")";
            code = 1;
          }
        } else {
          commands.add(step.words());
          EmulatedHost.Reply r = host.exec(step.words(), new byte[0]);
          stdout = r.stdout();
          stderr = r.stderr();
          code = r.exitCode();
          if (!host.isUp()) {
            exit.onExit(255);
            dropSessions();
            return;
          }
          lastCommand = stdout;
          lastCode = code;
        }
        out.write((stdout + "\n" + batch.marker() + " " + code + "\n").getBytes(UTF_8));
        err.write((stderr + "\n" + batch.marker() + "\n").getBytes(UTF_8));
        if (step.guard() && code != 0) {
          break;
        }
      }
      out.flush();
      err.flush();
      exit.onExit(0);
    }

    private static boolean isBatch(List<String> argv) {
      return argv.size() > 4
          && argv.get(0).equals("sh")
          && argv.get(1).equals("-c")
          && argv.get(2).equals(Batch.SCRIPT)
          && argv.get(3).equals("sh");
    }

    /** Commands only tests send: a slow command, and a command with a lot of output. */
    private boolean testHook(List<String> argv) throws IOException {
      if (argv.size() == 2 && argv.get(0).equals("sleep")) {
        try {
          Thread.sleep(Long.parseLong(argv.get(1)) * 1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exit.onExit(0);
        return true;
      }
      if (argv.size() == 2 && argv.get(0).equals("emit-bytes")) {
        byte[] chunk = "x".repeat(8192).getBytes(StandardCharsets.UTF_8);
        for (long left = Long.parseLong(argv.get(1)); left > 0; left -= chunk.length) {
          out.write(chunk, 0, (int) Math.min(chunk.length, left));
        }
        out.flush();
        exit.onExit(0);
        return true;
      }
      return false;
    }

    @Override
    public void destroy(ChannelSession channel) {}
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    in.transferTo(b);
    return b.toByteArray();
  }

  /** Writes {@code lines} as a known_hosts file. */
  public static void writeKnownHosts(Path file, List<String> lines) throws IOException {
    Files.write(file, lines);
  }
}
