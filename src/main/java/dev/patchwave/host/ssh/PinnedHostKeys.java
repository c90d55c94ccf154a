package dev.patchwave.host.ssh;

import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.UserInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pinned known_hosts file as JSch's host key repository, read once and again only when the file
 * changes, and indexed by host: a connection looks at the lines that name its host, not at every
 * line of a 100,000-host file. Lines whose host field is hashed ({@code |1|...}) or a pattern
 * ({@code *}, {@code ?}, {@code !}) are checked for every host, as ssh does (so a hashed file costs
 * a scan per connection). JSch's own parser reads the lines, so markers and key types mean what
 * they mean to JSch. Read-only: a pinned repository never learns or forgets a key.
 */
final class PinnedHostKeys implements HostKeyRepository {

  private final Path file;
  private volatile Loaded loaded;

  PinnedHostKeys(Path file) {
    this.file = file;
  }

  /** The file as read, and the repositories built from it so far. */
  private record Loaded(
      Object stamp,
      Map<String, List<String>> linesByHost,
      HostKeyRepository everyHost,
      Map<String, HostKeyRepository> byHost) {}

  /**
   * Re-reads the file if it changed since it was read (size, time or file key); cheap otherwise.
   */
  void refresh() throws JSchException {
    Object stamp = stamp();
    Loaded l = loaded;
    if (l != null && l.stamp().equals(stamp)) {
      return;
    }
    synchronized (this) {
      if (loaded != null && loaded.stamp().equals(stamp)) {
        return;
      }
      loaded = load(stamp);
    }
  }

  private Object stamp() throws JSchException {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return Arrays.asList(a.size(), a.lastModifiedTime(), a.fileKey());
    } catch (IOException e) {
      throw new JSchException("cannot read the known_hosts file " + file + ": " + e.getMessage());
    }
  }

  private Loaded load(Object stamp) throws JSchException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException | UncheckedIOException e) {
      throw new JSchException("cannot read the known_hosts file " + file + ": " + e.getMessage());
    }
    Map<String, List<String>> byHost = new HashMap<>();
    StringBuilder everyHost = new StringBuilder();
    for (String line : lines) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] f = t.split("[ \t]+");
      int h = f[0].startsWith("@") ? 1 : 0;
      if (f.length <= h) {
        continue;
      }
      String hosts = f[h];
      if (hosts.startsWith("|")
          || hosts.indexOf('*') >= 0
          || hosts.indexOf('?') >= 0
          || hosts.indexOf('!') >= 0) {
        everyHost.append(t).append('\n');
        continue;
      }
      for (String name : hosts.split(",")) {
        byHost.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(t);
      }
    }
    return new Loaded(stamp, byHost, repository(everyHost.toString()), new ConcurrentHashMap<>());
  }

  private static HostKeyRepository repository(String text) throws JSchException {
    JSch jsch = new JSch();
    jsch.setKnownHosts(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    return jsch.getHostKeyRepository();
  }

  private HostKeyRepository forHost(Loaded l, String host) {
    String key = host.toLowerCase(Locale.ROOT);
    List<String> lines = l.linesByHost().get(key);
    if (lines == null) {
      return null;
    }
    return l.byHost()
        .computeIfAbsent(
            key,
            k -> {
              try {
                return repository(String.join("\n", lines) + "\n");
              } catch (JSchException e) {
                throw new IllegalStateException(e);
              }
            });
  }

  private Loaded current() {
    return Objects.requireNonNull(loaded, "known_hosts not read yet");
  }

  @Override
  public int check(String host, byte[] key) {
    Loaded l = current();
    HostKeyRepository own = forHost(l, host);
    int mine = own == null ? NOT_INCLUDED : own.check(host, key);
    if (mine == OK) {
      return OK;
    }
    int rest = l.everyHost().check(host, key);
    if (rest == OK) {
      return OK;
    }
    return mine == CHANGED || rest == CHANGED ? CHANGED : NOT_INCLUDED;
  }

  @Override
  public HostKey[] getHostKey(String host, String type) {
    Loaded l = current();
    HostKeyRepository own = forHost(l, host);
    HostKey[] mine = own == null ? new HostKey[0] : own.getHostKey(host, type);
    HostKey[] rest = l.everyHost().getHostKey(host, type);
    HostKey[] all = Arrays.copyOf(mine, mine.length + rest.length);
    System.arraycopy(rest, 0, all, mine.length, rest.length);
    return all;
  }

  @Override
  public HostKey[] getHostKey() {
    Loaded l = current();
    List<HostKey> all = new ArrayList<>(Arrays.asList(l.everyHost().getHostKey()));
    for (String host : l.linesByHost().keySet()) {
      all.addAll(Arrays.asList(forHost(l, host).getHostKey()));
    }
    return all.toArray(new HostKey[0]);
  }

  @Override
  public String getKnownHostsRepositoryID() {
    return file.toString();
  }

  @Override
  public void add(HostKey hostkey, UserInfo ui) {
    throw new UnsupportedOperationException("host keys are pinned: edit " + file);
  }

  @Override
  public void remove(String host, String type) {
    throw new UnsupportedOperationException("host keys are pinned: edit " + file);
  }

  @Override
  public void remove(String host, String type, byte[] key) {
    throw new UnsupportedOperationException("host keys are pinned: edit " + file);
  }
}
