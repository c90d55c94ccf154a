package dev.patchwave.host.ssh;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchChangedHostKeyException;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.JSchUnknownHostKeyException;
import com.jcraft.jsch.Session;
import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.Command;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * SSH through JSch. Key authentication only; host keys checked strictly against the pinned
 * known_hosts file (an unknown or changed key is refused, naming the host); one session per host
 * step, one exec channel per command; connect and command timeouts; at most {@code maxSessions}
 * sessions open at once; output bounded per stream. The argv is quoted word by word ({@link
 * ShellWords}), so the remote shell runs exactly that argv. Nothing secret is logged.
 */
public final class JschHostExecutor implements HostExecutor {

  private static final Duration POLL = Duration.ofMillis(20);

  private final SshSettings settings;
  private final Semaphore sessions;

  /** How long an open waits for a free session of the pool before it gives up, by default. */
  static final java.time.Duration SESSION_WAIT = java.time.Duration.ofMinutes(5);

  private final java.time.Duration sessionWait;

  public JschHostExecutor(SshSettings settings) {
    this(settings, SESSION_WAIT);
  }

  /**
   * @param sessionWait how long an open waits for a free session before it gives up (Busy)
   */
  JschHostExecutor(SshSettings settings, java.time.Duration sessionWait) {
    this.settings = settings;
    this.sessionWait = sessionWait;
    this.sessions = new Semaphore(settings.maxSessions(), true);
  }

  @Override
  public HostSession open(Host host) throws HostException {
    if (host.transport() != Host.Transport.SSH) {
      throw new HostException.NotConfigured(host.name(), "not an ssh host");
    }
    if (settings.privateKeyFile().isEmpty() || settings.knownHostsFile().isEmpty()) {
      throw new HostException.NotConfigured(
          host.name(),
          "SSH is not configured: set patchwave.ssh.private-key-file and"
              + " patchwave.ssh.known-hosts-file (host keys are always pinned)");
    }
    try {
      // a saturated pool makes callers queue (fairly), not fail: it says nothing about the host
      if (!sessions.tryAcquire(sessionWait.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new HostException.Busy(
            host.name(),
            "all "
                + settings.maxSessions()
                + " SSH sessions of the controller were busy for "
                + dev.patchwave.doc.Binder.formatDuration(sessionWait));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HostException.Unreachable(host.name(), "interrupted", e);
    }
    try {
      JSch jsch = new JSch();
      // Read on every open, so rotated keys and known_hosts take effect without a restart.
      jsch.addIdentity(settings.privateKeyFile().get().toString());
      jsch.setKnownHosts(settings.knownHostsFile().get().toString());
      Session session = jsch.getSession(settings.user(), host.address(), host.port());
      session.setConfig("StrictHostKeyChecking", "yes");
      session.setConfig("PreferredAuthentications", "publickey");
      session.setServerAliveInterval(15_000);
      session.setServerAliveCountMax(4);
      session.connect((int) settings.connectTimeout().toMillis());
      return new JschSession(host.name(), session);
    } catch (JSchUnknownHostKeyException e) {
      sessions.release();
      throw new HostException.HostKeyRejected(
          host.name(),
          "host key of "
              + host.name()
              + " ("
              + host.address()
              + ":"
              + host.port()
              + ") is not pinned in the known_hosts file; refusing to connect",
          e);
    } catch (JSchChangedHostKeyException e) {
      sessions.release();
      throw new HostException.HostKeyRejected(
          host.name(),
          "host key of "
              + host.name()
              + " ("
              + host.address()
              + ":"
              + host.port()
              + ") differs from the pinned one; refusing to connect",
          e);
    } catch (JSchException e) {
      sessions.release();
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (message.contains("reject HostKey") || message.contains("HostKey has been changed")) {
        throw new HostException.HostKeyRejected(
            host.name(), "host key of " + host.name() + " rejected: " + message, e);
      }
      throw new HostException.Unreachable(
          host.name(), "cannot connect to " + host.name() + ": " + message, e);
    } catch (RuntimeException e) {
      sessions.release();
      throw e;
    }
  }

  private final class JschSession implements HostSession {
    private final String host;
    private final Session session;
    private boolean closed;

    JschSession(String host, Session session) {
      this.host = host;
      this.session = session;
    }

    @Override
    public CommandResult run(Command command) throws HostException {
      List<String> argv = new ArrayList<>();
      if (settings.sudo()) {
        argv.addAll(List.of("sudo", "-n", "--"));
      }
      argv.addAll(command.argv());
      long start = System.nanoTime();
      long deadline = start + command.timeout().toNanos();
      ChannelExec channel = null;
      try {
        channel = (ChannelExec) session.openChannel("exec");
        channel.setCommand(ShellWords.join(argv));
        channel.setInputStream(
            command.stdin().length == 0 ? null : new ByteArrayInputStream(command.stdin()));
        Bounded out = new Bounded(settings.maxOutputBytes());
        Bounded err = new Bounded(settings.maxOutputBytes());
        InputStream stdout = channel.getInputStream();
        InputStream stderr = channel.getErrStream();
        channel.connect((int) Math.max(1, settings.connectTimeout().toMillis()));
        while (true) {
          boolean read = out.drain(stdout) | err.drain(stderr);
          if (channel.isClosed() && stdout.available() == 0 && stderr.available() == 0) {
            break;
          }
          if (!session.isConnected()) {
            throw new HostException.ConnectionLost(
                host, "connection to " + host + " lost during " + command.kind(), null);
          }
          if (System.nanoTime() > deadline) {
            throw new HostException.CommandTimedOut(
                host,
                command.kind() + " on " + host + " did not finish within " + command.timeout());
          }
          if (!read) {
            Thread.sleep(POLL.toMillis());
          }
        }
        return new CommandResult(
            channel.getExitStatus(),
            out.text(),
            err.text(),
            out.truncated || err.truncated,
            Duration.ofNanos(System.nanoTime() - start));
      } catch (JSchException | IOException e) {
        if (!session.isConnected()) {
          throw new HostException.ConnectionLost(
              host, "connection to " + host + " lost during " + command.kind(), e);
        }
        throw new HostException.Unreachable(
            host, command.kind() + " on " + host + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HostException.Unreachable(host, "interrupted", e);
      } finally {
        if (channel != null) {
          channel.disconnect();
        }
      }
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        session.disconnect();
        sessions.release();
      }
    }
  }

  /** Keeps at most {@code limit} bytes of a stream and drains the rest. */
  private static final class Bounded {
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final int limit;
    private final byte[] buffer = new byte[8192];
    boolean truncated;

    Bounded(int limit) {
      this.limit = limit;
    }

    boolean drain(InputStream in) throws IOException {
      boolean any = false;
      while (in.available() > 0) {
        int n = in.read(buffer, 0, Math.min(buffer.length, in.available()));
        if (n <= 0) {
          break;
        }
        any = true;
        int room = limit - kept.size();
        if (room > 0) {
          kept.write(buffer, 0, Math.min(room, n));
        }
        if (n > room) {
          truncated = true;
        }
      }
      return any;
    }

    String text() {
      return kept.toString(StandardCharsets.UTF_8);
    }
  }
}
