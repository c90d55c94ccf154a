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
import dev.patchwave.patch.Batch;
import dev.patchwave.patch.Command;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * SSH through JSch. Key authentication only; host keys checked strictly against the pinned
 * known_hosts file (an unknown or changed key is refused, naming the host); one exec channel per
 * command, or per {@link Batch} (one remote {@code sh} running the batch's fixed script); connect
 * and command timeouts; output bounded per stream. The argv is quoted word by word ({@link
 * ShellWords}), so the remote shell runs exactly that argv. Nothing secret is logged.
 *
 * <p>Connections: at most {@code maxSessions} in use at once (an open beyond that waits for one to
 * close, then gives up as {@link HostException.Busy}). A connection whose step ended cleanly (every
 * command finished, no reboot) stays open for the host's next step for up to {@code idleTimeout},
 * so that a host's survey, preparation, patch and health checks cost one SSH handshake instead of
 * four; a connection that failed, timed out or rebooted its host is closed. A kept connection is
 * used again only after it answered a channel open, so an open still proves the host answers now;
 * one that does not is closed and a new one made. At most {@code maxIdle} connections stay idle;
 * past that the longest idle is closed. The private key and the known_hosts file are read again
 * whenever they change on disk.
 */
public final class JschHostExecutor implements HostExecutor, AutoCloseable {

  /** The longest pause between two looks at a running command's output (it starts at 1 ms). */
  private static final long MAX_POLL_MS = 20;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final SshSettings settings;
  private final Semaphore permits;

  /** How long an open waits for a free session of the pool before it gives up, by default. */
  static final Duration SESSION_WAIT = Duration.ofMinutes(5);

  private final Duration sessionWait;

  /** Idle connections by address, longest idle first. */
  private final LinkedHashMap<String, Idle> idle = new LinkedHashMap<>();

  private final ScheduledExecutorService reaper;
  private final PinnedHostKeys hostKeys;
  private Client client;

  private record Idle(Session session, long since) {}

  /** A JSch with the private key as it was read, and what the key file looked like then. */
  private record Client(JSch jsch, Object keyStamp) {}

  public JschHostExecutor(SshSettings settings) {
    this(settings, SESSION_WAIT);
  }

  /**
   * @param sessionWait how long an open waits for a free session before it gives up (Busy)
   */
  JschHostExecutor(SshSettings settings, Duration sessionWait) {
    this.settings = settings;
    this.sessionWait = sessionWait;
    this.permits = new Semaphore(settings.maxSessions(), true);
    this.hostKeys = settings.knownHostsFile().map(PinnedHostKeys::new).orElse(null);
    if (settings.idleTimeout().isZero()) {
      reaper = null;
    } else {
      reaper =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "ssh-idle-reaper");
                t.setDaemon(true);
                return t;
              });
      long every = Math.max(1000, settings.idleTimeout().toMillis() / 2);
      reaper.scheduleWithFixedDelay(this::closeExpired, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /** How many connections are open and idle (for tests and metrics). */
  public synchronized int idleConnections() {
    return idle.size();
  }

  @Override
  public HostSession open(Host host) throws HostException {
    if (host.transport() != Host.Transport.SSH) {
      throw new HostException.NotConfigured(host.name(), "not an ssh host");
    }
    if (settings.privateKeyFile().isEmpty() || hostKeys == null) {
      throw new HostException.NotConfigured(
          host.name(),
          "SSH is not configured: set patchwave.ssh.private-key-file and"
              + " patchwave.ssh.known-hosts-file (host keys are always pinned)");
    }
    String key = key(host);
    acquire(host);
    try {
      Session kept = takeIdle(key);
      if (kept != null) {
        if (answers(kept)) {
          return new JschSession(host, key, kept);
        }
        kept.disconnect();
      }
      return new JschSession(host, key, connect(host));
    } catch (HostException | RuntimeException e) {
      permits.release();
      throw e;
    }
  }

  private static String key(Host host) {
    return host.address() + ":" + host.port();
  }

  private void acquire(Host host) throws HostException {
    try {
      // a saturated pool makes callers queue (fairly), not fail: it says nothing about the host
      if (!permits.tryAcquire(sessionWait.toMillis(), TimeUnit.MILLISECONDS)) {
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
  }

  /**
   * Whether a kept connection still answers: a channel opened and closed at once (the server
   * confirms it without running anything). A host that went down while the connection was idle
   * fails this within the connect timeout, so that opening a session still means "the host answers
   * now".
   */
  private boolean answers(Session session) {
    try {
      com.jcraft.jsch.Channel c = session.openChannel("session");
      try {
        c.connect((int) Math.max(1, settings.connectTimeout().toMillis()));
        return true;
      } finally {
        c.disconnect();
      }
    } catch (JSchException e) {
      return false;
    }
  }

  /** Connects and authenticates; the caller holds a permit. */
  private Session connect(Host host) throws HostException {
    try {
      hostKeys.refresh();
      Session session = client().jsch().getSession(settings.user(), host.address(), host.port());
      session.setConfig("StrictHostKeyChecking", "yes");
      session.setConfig("PreferredAuthentications", "publickey");
      session.setServerAliveInterval(15_000);
      session.setServerAliveCountMax(4);
      session.connect((int) settings.connectTimeout().toMillis());
      return session;
    } catch (JSchUnknownHostKeyException e) {
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
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (message.contains("reject HostKey") || message.contains("HostKey has been changed")) {
        throw new HostException.HostKeyRejected(
            host.name(), "host key of " + host.name() + " rejected: " + message, e);
      }
      throw new HostException.Unreachable(
          host.name(), "cannot connect to " + host.name() + ": " + message, e);
    }
  }

  /** The JSch holding the private key, read again when the key file changed. */
  private synchronized Client client() throws JSchException {
    Path file = settings.privateKeyFile().orElseThrow();
    Object stamp;
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      stamp = Arrays.asList(a.size(), a.lastModifiedTime(), a.fileKey());
    } catch (IOException e) {
      throw new JSchException("cannot read the private key file: " + e.getMessage());
    }
    if (client == null || !client.keyStamp().equals(stamp)) {
      JSch jsch = new JSch();
      jsch.addIdentity(file.toString());
      jsch.setHostKeyRepository(hostKeys);
      client = new Client(jsch, stamp);
    }
    return client;
  }

  private synchronized Session takeIdle(String key) {
    Idle i = idle.remove(key);
    if (i == null) {
      return null;
    }
    if (i.session().isConnected() && !expired(i, System.nanoTime())) {
      return i.session();
    }
    i.session().disconnect();
    return null;
  }

  private synchronized void keepIdle(String key, Session session) {
    Idle before = idle.remove(key);
    if (before != null) {
      before.session().disconnect();
    }
    idle.put(key, new Idle(session, System.nanoTime()));
    for (Iterator<Idle> it = idle.values().iterator(); idle.size() > settings.maxIdle(); ) {
      Session longest = it.next().session();
      it.remove();
      longest.disconnect();
    }
  }

  private synchronized void closeExpired() {
    long now = System.nanoTime();
    for (Iterator<Idle> it = idle.values().iterator(); it.hasNext(); ) {
      Idle i = it.next();
      if (!expired(i, now) && i.session().isConnected()) {
        break; // insertion order: the rest are younger (a dead one goes at its turn)
      }
      it.remove();
      i.session().disconnect();
    }
  }

  private boolean expired(Idle i, long now) {
    return now - i.since() >= settings.idleTimeout().toNanos();
  }

  /** Closes the idle connections and stops the reaper. */
  @Override
  public synchronized void close() {
    if (reaper != null) {
      reaper.shutdownNow();
    }
    for (Idle i : idle.values()) {
      i.session().disconnect();
    }
    idle.clear();
  }

  private final class JschSession implements HostSession {
    private final Host host;
    private final String key;
    private final Session session;

    /** Kept from an earlier step and not yet shown to be alive by a command. */
    private boolean unproven;

    /** Every command so far finished, none rebooted the host: the connection may be kept. */
    private boolean reusable = true;

    private boolean closed;

    JschSession(Host host, String key, Session session) {
      this.host = host;
      this.key = key;
      this.session = session;
    }

    @Override
    public CommandResult run(Command command) throws HostException {
      List<String> argv = new ArrayList<>(sudo());
      argv.addAll(command.argv());
      if (command.kind() == Command.Kind.REBOOT) {
        reusable = false;
      }
      return exec(
          argv, command.stdin(), command.timeout(), command.kind(), settings.maxOutputBytes());
    }

    @Override
    public List<CommandResult> runAll(Batch batch) throws HostException {
      String marker = "--patchwave-" + HexFormat.of().formatHex(randomBytes());
      int steps = batch.steps().size();
      CommandResult whole =
          exec(
              batch.argv(marker, sudo()),
              new byte[0],
              batch.timeout(),
              batch.kind(),
              settings.maxOutputBytes() * steps);
      return BatchOutput.split(batch, marker, whole);
    }

    private List<String> sudo() {
      return settings.sudo() ? List.of("sudo", "-n", "--") : List.of();
    }

    private CommandResult exec(
        List<String> argv, byte[] stdin, Duration timeout, Command.Kind kind, int bound)
        throws HostException {
      boolean finished = false;
      try {
        CommandResult r = execOnce(argv, stdin, timeout, kind, bound);
        finished = true;
        return r;
      } finally {
        if (!finished) {
          reusable = false;
        }
      }
    }

    private CommandResult execOnce(
        List<String> argv, byte[] stdin, Duration timeout, Command.Kind kind, int bound)
        throws HostException {
      long start = System.nanoTime();
      long deadline = start + timeout.toNanos();
      ChannelExec channel = null;
      try {
        channel = openChannel(argv, stdin);
        Bounded out = new Bounded(bound);
        Bounded err = new Bounded(bound);
        InputStream stdout = channel.getInputStream();
        InputStream stderr = channel.getErrStream();
        channel.connect((int) Math.max(1, settings.connectTimeout().toMillis()));
        long pause = 1;
        while (true) {
          boolean read = out.drain(stdout) | err.drain(stderr);
          if (channel.isClosed() && stdout.available() == 0 && stderr.available() == 0) {
            break;
          }
          if (!session.isConnected()) {
            throw new HostException.ConnectionLost(
                host.name(), "connection to " + host.name() + " lost during " + kind, null);
          }
          if (System.nanoTime() > deadline) {
            throw new HostException.CommandTimedOut(
                host.name(), kind + " on " + host.name() + " did not finish within " + timeout);
          }
          if (read) {
            pause = 1;
          } else {
            Thread.sleep(pause);
            pause = Math.min(MAX_POLL_MS, pause * 2);
          }
        }
        if (channel.getExitStatus() == -1 && connectionGone()) {
          // closed without an exit status because the connection went: not the command's answer
          throw new HostException.ConnectionLost(
              host.name(), "connection to " + host.name() + " lost during " + kind, null);
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
              host.name(), "connection to " + host.name() + " lost during " + kind, e);
        }
        throw new HostException.Unreachable(
            host.name(), kind + " on " + host.name() + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HostException.Unreachable(host.name(), "interrupted", e);
      } finally {
        if (channel != null) {
          channel.disconnect();
        }
      }
    }

    /**
     * Whether the connection is gone, allowing JSch a moment to notice: it closes the channels of a
     * dropped connection before it marks the connection closed.
     */
    private boolean connectionGone() throws InterruptedException {
      for (int i = 0; i < 20 && session.isConnected(); i++) {
        Thread.sleep(10);
      }
      return !session.isConnected();
    }

    private ChannelExec openChannel(List<String> argv, byte[] stdin) throws JSchException {
      ChannelExec channel = (ChannelExec) session.openChannel("exec");
      channel.setCommand(ShellWords.join(argv));
      channel.setInputStream(stdin.length == 0 ? null : new ByteArrayInputStream(stdin));
      return channel;
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (reusable
          && !settings.idleTimeout().isZero()
          && settings.maxIdle() > 0
          && session.isConnected()) {
        keepIdle(key, session);
      } else {
        session.disconnect();
      }
      permits.release();
    }
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return b;
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
